/* Host tick: counts, and on the boot CPU polls the console for input
 * (it has no interrupt: polling at TICK_HZ is plenty for typing). */
#include "kernel/tick.h"
#include "vm/console_input.h"
#include "kernel/percpu.h"

/* Keys typed during bring-up wait in the UART until the VMs are up. */
static volatile bool console_keys_enabled;

void tick_enable_console_keys(void)
{
	console_keys_enabled = true;
}

void tick_handle(void)
{
	struct percpu *pc = this_cpu();

	pc->timer_ticks++;
	if (pc->index == 0 && console_keys_enabled)
		console_input_pull();
}
