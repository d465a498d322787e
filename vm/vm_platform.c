/* Wiring a VM's virtual devices together: vLAPICs <-> vCPUs, vIOAPIC ->
 * vLAPICs, UART -> console and vIOAPIC pin 4. The device cores are pure
 * (vdev/vlapic.c, vioapic.c, vuart.c); this file is their environment. */
#include "vm/vm.h"
#include "arch/x86/timer.h"
#include "arch/x86/uart16550.h"

#define UART_IRQ_PIN 4
#define XAPIC_BROADCAST 0xff
#define X2APIC_BROADCAST 0xffffffffu

static struct vlapic *lapic_get(void *ctx, u32 index)
{
	struct vm *vm = ctx;

	return index < vm->nvcpus ? &vm->vcpus[index]->lapic : NULL;
}

static void lapic_kick(void *ctx, u32 index)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm->vcpus[index];

	vcpu_request(v, VCPU_REQ_EVENT);
	vcpu_kick(v);
}

static void lapic_init_ipi(void *ctx, u32 index)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm->vcpus[index];

	vcpu_request(v, VCPU_REQ_INIT);
	vcpu_kick(v);
}

static void lapic_startup_ipi(void *ctx, u32 index, u8 vector)
{
	struct vm *vm = ctx;
	struct vcpu *v = vm->vcpus[index];

	v->sipi_vector = vector;
	vcpu_request(v, VCPU_REQ_SIPI);
	vcpu_kick(v);
}

static void lapic_nmi(void *ctx, u32 index)
{
	struct vm *vm = ctx;

	vcpu_raise_nmi(vm->vcpus[index]);
}

static void lapic_timer_changed(void *ctx, u32 index, u64 deadline)
{
	(void)ctx;
	(void)index;
	/* Only the owning vCPU programs its timer, on its own CPU. */
	timer_set_guest_deadline(deadline);
}

static void lapic_eoi_level(void *ctx, u32 index, u8 vector)
{
	struct vm *vm = ctx;

	(void)index;
	vioapic_eoi(&vm->ioapic, vector);
}

/* Does the vLAPIC of @v accept a logical destination @dest? */
static bool lapic_logical_match(struct vcpu *v, u32 dest)
{
	u64 ldr;

	if (vlapic_x2apic_enabled(&v->lapic)) {
		u32 id = v->index;

		return (dest >> 16) == (id >> 4) && (dest & 0xffff & (1u << (id & 0xf)));
	}
	if (!vlapic_xapic_enabled(&v->lapic))
		return false;
	ldr = vlapic_mmio_read(&v->lapic, 0xd0, 0);
	return ((ldr >> 24) & dest & 0xff) != 0; /* flat model */
}

static void ioapic_deliver(void *ctx, u32 dest, bool logical, u8 vector,
			   bool level, bool nmi)
{
	struct vm *vm = ctx;

	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		bool hit = logical ? lapic_logical_match(v, dest) :
			   dest == i || dest == XAPIC_BROADCAST ||
			   dest == X2APIC_BROADCAST;

		if (!hit)
			continue;
		if (nmi)
			vcpu_raise_nmi(v);
		else
			vlapic_set_irq(&v->lapic, vector, level);
		if (!logical && dest == i)
			return;
	}
}

static void uart_tx(void *ctx, u8 byte)
{
	struct vm *vm = ctx;

	if (vm->cfg->serial_port)
		uart_putc(vm->cfg->serial_port, (char)byte); /* raw, its own port */
	else
		vm_console_putc(&vm->uart_console, vm->name, (char)byte);
}

static void uart_irq(void *ctx, bool high)
{
	struct vm *vm = ctx;

	vioapic_set_pin(&vm->ioapic, UART_IRQ_PIN, high);
}

void vm_platform_init(struct vm *vm)
{
	vm->lapic_env = (struct vlapic_env){
		.ctx = vm, .count = vm->nvcpus, .get = lapic_get,
		.kick = lapic_kick, .init = lapic_init_ipi,
		.startup = lapic_startup_ipi, .nmi = lapic_nmi,
		.timer_changed = lapic_timer_changed,
		.eoi_level = lapic_eoi_level,
	};
	vm->ioapic_env = (struct vioapic_env){ .ctx = vm, .deliver = ioapic_deliver };
	vm->uart_env = (struct vuart_env){ .ctx = vm, .tx = uart_tx, .irq = uart_irq };
	vioapic_init(&vm->ioapic, &vm->ioapic_env);
	vuart_init(&vm->uart, &vm->uart_env);
	for (u32 i = 0; i < vm->nvcpus; i++)
		vlapic_init(&vm->vcpus[i]->lapic, &vm->lapic_env, i, tsc_hz);
}
