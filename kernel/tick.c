/* Host tick: counts, and on the boot CPU polls the console for commands
 * (the console has no interrupt: polling at TICK_HZ is plenty for typing). */
#include "kernel/tick.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/vm.h"

static void console_command(int key)
{
	switch (key) {
	case 's':
		pr_info("holdfast: %u CPUs online, %u VMs", cpus_online, vm_count);
		for (u32 i = 0; i < vm_count; i++) {
			struct vm *vm = vms[i];

			pr_info("holdfast: vm %s: %s, %u vCPUs, %lu MiB", vm->name,
				vm->stopping ? "stopped" : "running", vm->nvcpus,
				vm->memory >> 20);
			vm_print_counters(vm);
		}
		break;
	case 'h':
	case '?':
		pr_info("holdfast: console keys: s = VMs and exit counters, h = this help");
		break;
	}
}

/* Keys typed during bring-up wait in the UART until the VMs are up. */
static volatile bool console_keys_enabled;

void tick_enable_console_keys(void)
{
	console_keys_enabled = true;
}

void tick_handle(void)
{
	struct percpu *pc = this_cpu();
	int key;

	pc->timer_ticks++;
	if (pc->index != 0 || !console_keys_enabled)
		return;
	while ((key = console_getc()) >= 0)
		console_command(key);
}
