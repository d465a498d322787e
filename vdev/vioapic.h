/*
 * The virtual IOAPIC: one per VM at 0xFEC00000, 24 pins, redirection
 * entries routed to vLAPICs (fixed and lowest-priority delivery treated as
 * fixed to the lowest-numbered destination, physical and logical modes,
 * edge and level with remote IRR). Pure core, host unit-tested; it reaches
 * the vLAPICs only through the callback.
 */
#ifndef HOLDFAST_VIOAPIC_H
#define HOLDFAST_VIOAPIC_H

#include "lib/types.h"

#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_SIZE 0x1000
#define VIOAPIC_PINS 24
#define VIOAPIC_ID 0 /* the MADT says so too */

struct vioapic_env {
	void *ctx;
	/* Deliver @vector to the vLAPIC(s) a redirection entry names:
	 * @dest and @logical as in the entry, @level = level-triggered,
	 * @nmi = NMI delivery mode. */
	void (*deliver)(void *ctx, u32 dest, bool logical, u8 vector,
			bool level, bool nmi);
};

struct vioapic {
	const struct vioapic_env *env;
	volatile u32 lock;
	u32 index_reg;            /* IOREGSEL */
	u64 redir[VIOAPIC_PINS];  /* redirection table */
	u32 pin_level;            /* current input line levels, bit per pin */
};

void vioapic_init(struct vioapic *io, const struct vioapic_env *env);
u32 vioapic_mmio_read(struct vioapic *io, u32 offset);
void vioapic_mmio_write(struct vioapic *io, u32 offset, u32 val);
/* A device raises (@high) or lowers its line. Edge pins deliver on the
 * rising edge; level pins deliver while high and not remote-IRR. */
void vioapic_set_pin(struct vioapic *io, u32 pin, bool high);
/* The vLAPIC EOI'd @vector: clear remote IRR of level pins using it and
 * re-deliver those still high. */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif
