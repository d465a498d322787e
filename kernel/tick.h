/* The periodic host tick (TICK_HZ on every CPU). */
#ifndef HOLDFAST_TICK_H
#define HOLDFAST_TICK_H

void tick_handle(void);
/* Start acting on console keys (once bring-up and VM launch are over). */
void tick_enable_console_keys(void);

#endif
