/* The periodic host tick (TICK_HZ on every CPU): counts ticks (the
 * self-test checks every CPU's timer) and polls the console for input. */
#ifndef HOLDFAST_TICK_H
#define HOLDFAST_TICK_H

/* From the timer interrupt when a host tick fell due. */
void host_tick(void);
/* From now on, the boot CPU's tick calls @pull (the console's input
 * poller, vm/console_input.c): once bring-up and VM launch are over. */
void host_tick_poll_console(void (*pull)(void));

#endif
