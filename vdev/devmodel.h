/* Device models register the I/O ports and guest-physical MMIO ranges they
 * emulate. What nobody claims gets the documented default: port and MMIO
 * reads return all ones, writes are ignored. */
#ifndef HOLDFAST_DEVMODEL_H
#define HOLDFAST_DEVMODEL_H

#include "lib/types.h"

struct vcpu;

struct port_handler {
	u16 base, count;
	u32 (*read)(struct vcpu *v, u16 port, u8 size);
	void (*write)(struct vcpu *v, u16 port, u8 size, u32 val);
};

struct mmio_handler {
	u64 base, size;
	u64 (*read)(struct vcpu *v, u64 gpa, u8 size);
	void (*write)(struct vcpu *v, u64 gpa, u8 size, u64 val);
};

/* The tables are built into the image (see devmodel.c): every VM has the
 * same devices, each keeping its state per VM. */
const struct port_handler *devmodel_find_port(u16 port);
const struct mmio_handler *devmodel_find_mmio(u64 gpa);

#endif
