/* The port and MMIO tables: which device model answers where. Each model
 * keeps its state per VM (or per vCPU for the vLAPIC). */
#include "vdev/devmodel.h"
#include "vdev/guest_acpi.h"
#include "vm/vm.h"
#include "paravirt/holdfast_abi.h"
#include "arch/x86/cpu.h"

#define UART_PORTS 8

static u32 debugcon_read(struct vcpu *v, u16 port, u8 size)
{
	(void)v;
	(void)port;
	(void)size;
	return HF_DEBUGCON_PORT; /* Bochs/QEMU convention: "present" */
}

static void debugcon_write(struct vcpu *v, u16 port, u8 size, u32 val)
{
	(void)port;
	for (u8 i = 0; i < size; i++)
		vm_console_putc(&v->vm->console, v->vm->name, (char)(val >> (8 * i)));
}

static u32 uart_read(struct vcpu *v, u16 port, u8 size)
{
	(void)size;
	return vuart_read(&v->vm->uart, port - VUART_COM1_BASE);
}

static void uart_write(struct vcpu *v, u16 port, u8 size, u32 val)
{
	(void)size;
	vuart_write(&v->vm->uart, port - VUART_COM1_BASE, (u8)val);
}

static u32 pm_read(struct vcpu *v, u16 port, u8 size)
{
	(void)v;
	(void)port;
	(void)size;
	return 0; /* sleep status: nothing to report */
}

/* The FADT's sleep control and reset registers: poweroff and reboot. */
static void pm_write(struct vcpu *v, u16 port, u8 size, u32 val)
{
	(void)size;
	if (port == GUEST_ACPI_SLEEP_CONTROL_PORT && (val & GUEST_ACPI_SLP_EN) &&
	    ((val >> 2) & 7) == GUEST_ACPI_S5_TYPE)
		vm_stop(v->vm, "guest powered off");
	else if (port == GUEST_ACPI_RESET_PORT && (u8)val == GUEST_ACPI_RESET_VALUE)
		vm_request_reboot(v->vm);
}

static const struct port_handler port_handlers[] = {
	{ HF_DEBUGCON_PORT, 1, debugcon_read, debugcon_write },
	{ VUART_COM1_BASE, UART_PORTS, uart_read, uart_write },
	{ GUEST_ACPI_SLEEP_CONTROL_PORT, 3, pm_read, pm_write },
};

const struct port_handler *devmodel_find_port(u16 port)
{
	for (u32 i = 0; i < ARRAY_SIZE(port_handlers); i++) {
		const struct port_handler *h = &port_handlers[i];

		if (port >= h->base && port - h->base < h->count)
			return h;
	}
	return NULL;
}

static u64 lapic_mmio_read(struct vcpu *v, u64 gpa, u8 size)
{
	(void)size;
	if (!vlapic_xapic_enabled(&v->lapic))
		return ~0ull; /* disabled or in x2APIC mode: nothing there */
	return vlapic_mmio_read(&v->lapic, (u32)(gpa - VLAPIC_BASE_DEFAULT),
				rdtsc());
}

static void lapic_mmio_write(struct vcpu *v, u64 gpa, u8 size, u64 val)
{
	(void)size;
	if (vlapic_xapic_enabled(&v->lapic))
		vlapic_mmio_write(&v->lapic, (u32)(gpa - VLAPIC_BASE_DEFAULT),
				  (u32)val, rdtsc());
}

static u64 ioapic_mmio_read(struct vcpu *v, u64 gpa, u8 size)
{
	(void)size;
	return vioapic_mmio_read(&v->vm->ioapic, (u32)(gpa - VIOAPIC_BASE));
}

static void ioapic_mmio_write(struct vcpu *v, u64 gpa, u8 size, u64 val)
{
	(void)size;
	vioapic_mmio_write(&v->vm->ioapic, (u32)(gpa - VIOAPIC_BASE), (u32)val);
}

static const struct mmio_handler mmio_handlers[] = {
	{ VLAPIC_BASE_DEFAULT, PAGE_SIZE, lapic_mmio_read, lapic_mmio_write },
	{ VIOAPIC_BASE, VIOAPIC_SIZE, ioapic_mmio_read, ioapic_mmio_write },
};

const struct mmio_handler *devmodel_find_mmio(u64 gpa)
{
	for (u32 i = 0; i < ARRAY_SIZE(mmio_handlers); i++) {
		const struct mmio_handler *h = &mmio_handlers[i];

		if (gpa >= h->base && gpa - h->base < h->size)
			return h;
	}
	return NULL;
}
