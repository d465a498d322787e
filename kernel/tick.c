/* Host tick: counts, and on the boot CPU polls the console for input
 * (it has no interrupt: polling at TICK_HZ is plenty for typing). */
#include "kernel/tick.h"
#include "kernel/percpu.h"

/* Keys typed during bring-up wait in the UART until the VMs are up. */
static void (*volatile console_pull)(void);

void host_tick_poll_console(void (*pull)(void))
{
	console_pull = pull;
}

void host_tick(void)
{
	struct percpu *pc = this_cpu();
	void (*pull)(void) = console_pull;

	pc->timer_ticks++;
	if (pc->index == 0 && pull)
		pull();
}
