#include "kernel/devmodel.h"
#include "kernel/vm.h"
#include "paravirt/holdfast_abi.h"

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

static const struct port_handler port_handlers[] = {
	{ HF_DEBUGCON_PORT, 1, debugcon_read, debugcon_write },
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

const struct mmio_handler *devmodel_find_mmio(u64 gpa)
{
	(void)gpa;
	return NULL; /* no MMIO devices yet: the vLAPIC and vIOAPIC come here */
}
