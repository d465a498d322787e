#include "vm/console_input.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "vm/vm.h"
#include "sched/hv/vsched.h"
#include "kernel/time.h"
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
			vm_print_lhp(vm);
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

/* A byte for @vm now would overrun its UART: hold it, for at most
 * INPUT_HOLD_MS (a guest that stopped reading must not keep the Ctrl-A
 * focus switch behind it forever; its bytes then overrun as on a real
 * line). */
#define INPUT_HOLD_MS 2000
static u64 held_since_ms;

static bool vm_console_wants_wait(struct vm *vm)
{
	u64 now = time_since_boot_ns() / 1000000;

	if (vm->stopping || !vuart_rx_full(&vm->uart)) {
		held_since_ms = 0;
		return false;
	}
	if (!held_since_ms)
		held_since_ms = now;
	return now - held_since_ms < INPUT_HOLD_MS;
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
	/* Held while the FIFO is full (console_input_process), for a while:
	 * after that a full FIFO drops the byte, as a real UART would. */
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

/* Typed bytes wait in the ring while the focused VM's receive FIFO is
 * full (a paste is paced to the guest's reading, not dropped as an
 * overrun); keys for the hypervisor are taken at once. */
void console_input_process(void)
{
	if (this_cpu()->index != 0)
		return;
	for (struct input_ring *r = &rings[0]; r->tail != r->head; r->tail++) {
		u8 key = r->bytes[r->tail % INPUT_RING];

		if (focus && key != CTRL_A && !ctrl_a_pending &&
		    vm_console_wants_wait(vms[focus - 1]))
			return;
		console_key(key);
	}
	for (u32 i = 0; i < vm_count; i++)
		for (struct input_ring *r = &rings[1 + i];
		     r->tail != r->head && !vm_console_wants_wait(vms[i]); r->tail++)
			vuart_receive(&vms[i]->uart, r->bytes[r->tail % INPUT_RING]);
}
