#include "kernel/console_input.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/vm.h"
#include "kernel/vsched.h"
#include "arch/x86/uart16550.h"

#define CTRL_A 0x01
#define FOCUS_SWITCH_PRESSES 3

static u32 focus;          /* 0: the hypervisor; i: vms[i - 1] */
static u32 ctrl_a_pending; /* Ctrl-A presses not yet forwarded */

static void console_command(int key)
{
	switch (key) {
	case 's':
		pr_info("holdfast: %u CPUs online, %u VMs", cpus_online, vm_count);
		if (vsched_enabled())
			vsched_print_queues();
		for (u32 i = 0; i < vm_count; i++) {
			struct vm *vm = vms[i];

			pr_info("holdfast: vm %s: %s, %u vCPUs, %lu MiB", vm->name,
				vm->stopping ? "stopped" : "running", vm->nvcpus,
				vm->memory >> 20);
			vm_print_counters(vm);
			if (vsched_enabled())
				vsched_print_vm(vm);
			for (u32 c = 0; c < vm->nvcpus; c++)
				pr_info("holdfast: vm %s vcpu %u: state %u, RIP %lx (a snapshot: it runs on)",
					vm->name, c, vm->vcpus[c]->state,
					vcpu_get_reg(vm->vcpus[c], VREG_RIP));
		}
		break;
	case 'q':
		pr_info("holdfast: stopping every VM (console key q)");
		for (u32 i = 0; i < vm_count; i++)
			vm_stop(vms[i], "stopped from the console");
		break;
	case 'h':
	case '?':
		pr_info("holdfast: console keys: s = VMs and exit counters, q = stop every VM, h = this help; Ctrl-A three times moves the input focus");
		break;
	}
}

static void focus_announce(void)
{
	if (!focus)
		pr_info("holdfast: console input goes to the hypervisor (keys: h for help; Ctrl-A three times to switch)");
	else
		pr_info("holdfast: console input goes to vm %s (Ctrl-A three times to switch)",
			vms[focus - 1]->name);
}

static void deliver(int key)
{
	if (!focus) {
		console_command(key);
		return;
	}
	/* A full receive FIFO drops the byte, as a real UART would. */
	vuart_receive(&vms[focus - 1]->uart, (u8)key);
}

static void console_key(int key)
{
	if (key == CTRL_A) {
		if (++ctrl_a_pending == FOCUS_SWITCH_PRESSES) {
			ctrl_a_pending = 0;
			focus = (focus + 1) % (vm_count + 1);
			focus_announce();
		}
		return;
	}
	/* One or two Ctrl-A presses were meant for the guest. */
	for (; ctrl_a_pending; ctrl_a_pending--)
		deliver(CTRL_A);
	deliver(key);
}

/* Bytes typed, per source: the console (index 0) and each VM's own port.
 * Written by the tick, read by the boot CPU's loops: one producer, one
 * consumer, both on the boot CPU. */
#define INPUT_RING 256
struct input_ring {
	u8 bytes[INPUT_RING];
	volatile u32 head, tail;
};
static struct input_ring rings[1 + VM_MAX_VMS];

static void ring_pull(struct input_ring *r, u16 port)
{
	int key;

	while (r->head - r->tail < INPUT_RING && (key = port ?
		uart_getc_nowait(port) : console_getc()) >= 0)
		r->bytes[r->head++ % INPUT_RING] = (u8)key;
}

void console_input_pull(void)
{
	ring_pull(&rings[0], 0);
	/* VMs with a physical serial port of their own (serial=com1|com2). */
	for (u32 i = 0; i < vm_count; i++)
		if (vms[i]->cfg->serial_port)
			ring_pull(&rings[1 + i], vms[i]->cfg->serial_port);
}

void console_input_process(void)
{
	if (this_cpu()->index != 0)
		return;
	for (struct input_ring *r = &rings[0]; r->tail != r->head; r->tail++)
		console_key(r->bytes[r->tail % INPUT_RING]);
	for (u32 i = 0; i < vm_count; i++)
		for (struct input_ring *r = &rings[1 + i]; r->tail != r->head; r->tail++)
			vuart_receive(&vms[i]->uart, r->bytes[r->tail % INPUT_RING]);
}
