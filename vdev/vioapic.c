/* The virtual IOAPIC, after the Intel 82093AA datasheet (version 0x11: no
 * EOI register, so Linux clears a stuck remote IRR by switching the entry
 * to edge and back, which this model honours).
 *
 * Deliveries are decided under the lock and made after it is dropped: the
 * callback reaches into vLAPICs and may kick other CPUs, and must never run
 * inside this device's lock.
 */
#include "vdev/vioapic.h"
#include "lib/string.h"

#define IOAPIC_REG_SELECT 0x00
#define IOAPIC_REG_WINDOW 0x10

#define IOAPIC_INDEX_ID 0x00
#define IOAPIC_INDEX_VERSION 0x01
#define IOAPIC_INDEX_ARB 0x02
#define IOAPIC_INDEX_REDIR 0x10

#define IOAPIC_VERSION 0x11
#define IOAPIC_VERSION_REG (IOAPIC_VERSION | ((VIOAPIC_PINS - 1) << 16))

#define REDIR_VECTOR 0xffull
#define REDIR_DELIVERY_SHIFT 8
#define REDIR_DELIVERY_MASK (7ull << REDIR_DELIVERY_SHIFT)
#define REDIR_DEST_LOGICAL (1ull << 11)
#define REDIR_POLARITY_LOW (1ull << 13)
#define REDIR_REMOTE_IRR (1ull << 14)
#define REDIR_LEVEL (1ull << 15)
#define REDIR_MASKED (1ull << 16)
#define REDIR_DEST_SHIFT 56

#define DELIVERY_FIXED 0
#define DELIVERY_LOWEST 1
#define DELIVERY_NMI 4

/* What the guest may change: delivery status (12) and remote IRR (14) are
 * the IOAPIC's own, bits 55:17 are reserved. */
#define REDIR_WRITABLE_LOW (REDIR_VECTOR | REDIR_DELIVERY_MASK | \
			    REDIR_DEST_LOGICAL | REDIR_POLARITY_LOW | \
			    REDIR_LEVEL | REDIR_MASKED)
#define REDIR_WRITABLE_HIGH (0xffull << REDIR_DEST_SHIFT)

/* A delivery decided under the lock, made after it. */
struct vioapic_msg {
	u32 dest;
	u8 vector;
	bool logical, level, nmi;
};

struct vioapic_batch {
	struct vioapic_msg msg[VIOAPIC_PINS];
	u32 count;
};

static void vioapic_lock(struct vioapic *io)
{
	while (__atomic_exchange_n(&io->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&io->lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void vioapic_unlock(struct vioapic *io)
{
	__atomic_store_n(&io->lock, 0, __ATOMIC_RELEASE);
}

static void vioapic_unlock_and_deliver(struct vioapic *io,
				       const struct vioapic_batch *b)
{
	const struct vioapic_env *env = io->env;
	u32 i;

	vioapic_unlock(io);
	for (i = 0; i < b->count; i++) {
		const struct vioapic_msg *m = &b->msg[i];

		env->deliver(env->ctx, m->dest, m->logical, m->vector,
			     m->level, m->nmi);
	}
}

/* The pin's logical state: an active-low input is asserted when low. */
static bool vioapic_pin_asserted(const struct vioapic *io, u32 pin)
{
	bool high = io->pin_level & (1u << pin);

	return (io->redir[pin] & REDIR_POLARITY_LOW) ? !high : high;
}

static u32 vioapic_delivery_mode(u64 entry)
{
	return (entry & REDIR_DELIVERY_MASK) >> REDIR_DELIVERY_SHIFT;
}

/* NMI is edge-only whatever the trigger bit says (the datasheet asks for
 * edge), and a level NMI would never see an EOI to clear remote IRR. */
static bool vioapic_entry_level(u64 entry)
{
	return (entry & REDIR_LEVEL) &&
	       vioapic_delivery_mode(entry) != DELIVERY_NMI;
}

/* Queue the interrupt entry @pin describes; SMI, INIT, ExtINT and the
 * reserved modes have no meaning for this platform and are dropped. */
static void vioapic_queue(struct vioapic *io, u32 pin, struct vioapic_batch *b)
{
	u64 e = io->redir[pin];
	u32 mode = vioapic_delivery_mode(e);
	struct vioapic_msg *m;

	if (mode != DELIVERY_FIXED && mode != DELIVERY_LOWEST &&
	    mode != DELIVERY_NMI)
		return;
	m = &b->msg[b->count++];
	m->dest = (u32)(e >> REDIR_DEST_SHIFT);
	m->logical = e & REDIR_DEST_LOGICAL;
	m->vector = (u8)(e & REDIR_VECTOR);
	m->nmi = mode == DELIVERY_NMI;
	m->level = vioapic_entry_level(e);
	if (m->level)
		io->redir[pin] |= REDIR_REMOTE_IRR;
}

/* A level pin fires while asserted, unmasked and not awaiting an EOI. */
static void vioapic_check_level(struct vioapic *io, u32 pin,
				struct vioapic_batch *b)
{
	u64 e = io->redir[pin];

	if (!vioapic_entry_level(e) || (e & (REDIR_MASKED | REDIR_REMOTE_IRR)))
		return;
	if (vioapic_pin_asserted(io, pin))
		vioapic_queue(io, pin, b);
}

void vioapic_init(struct vioapic *io, const struct vioapic_env *env)
{
	u32 pin;

	memset(io, 0, sizeof(*io));
	io->env = env;
	/* Every entry comes out of reset masked. */
	for (pin = 0; pin < VIOAPIC_PINS; pin++)
		io->redir[pin] = REDIR_MASKED;
}

static u32 vioapic_read_indirect(const struct vioapic *io, u32 index)
{
	u32 pin;
	u64 e;

	switch (index) {
	case IOAPIC_INDEX_ID:
	case IOAPIC_INDEX_ARB:
		/* The arbitration ID is loaded from the ID at reset. */
		return (u32)VIOAPIC_ID << 24;
	case IOAPIC_INDEX_VERSION:
		return IOAPIC_VERSION_REG;
	}
	if (index < IOAPIC_INDEX_REDIR ||
	    index >= IOAPIC_INDEX_REDIR + 2 * VIOAPIC_PINS)
		return 0;
	pin = (index - IOAPIC_INDEX_REDIR) / 2;
	e = io->redir[pin];
	return (index & 1) ? (u32)(e >> 32) : (u32)e;
}

static void vioapic_write_redir(struct vioapic *io, u32 index, u32 val,
				struct vioapic_batch *b)
{
	u32 pin = (index - IOAPIC_INDEX_REDIR) / 2;
	u64 e = io->redir[pin];

	if (index & 1) {
		e &= ~REDIR_WRITABLE_HIGH;
		e |= ((u64)val << 32) & REDIR_WRITABLE_HIGH;
	} else {
		e &= REDIR_WRITABLE_HIGH | REDIR_REMOTE_IRR;
		e |= val & REDIR_WRITABLE_LOW;
		/* Remote IRR means nothing for an edge entry; clearing it
		 * here is what Linux relies on for IOAPICs without an EOI
		 * register (io_apic.c, __eoi_ioapic_pin). */
		if (!(e & REDIR_LEVEL))
			e &= ~REDIR_REMOTE_IRR;
	}
	io->redir[pin] = e;
	/* An unmasked (or newly level) entry whose line is already asserted
	 * fires now; an edge that arrived while masked is lost, as on the
	 * chip. */
	vioapic_check_level(io, pin, b);
}

u32 vioapic_mmio_read(struct vioapic *io, u32 offset)
{
	u32 val = 0;

	vioapic_lock(io);
	if (offset == IOAPIC_REG_SELECT)
		val = io->index_reg;
	else if (offset == IOAPIC_REG_WINDOW)
		val = vioapic_read_indirect(io, io->index_reg);
	vioapic_unlock(io);
	return val;
}

void vioapic_mmio_write(struct vioapic *io, u32 offset, u32 val)
{
	struct vioapic_batch b;
	u32 index;

	b.count = 0;
	vioapic_lock(io);
	if (offset == IOAPIC_REG_SELECT) {
		io->index_reg = val & 0xff;
	} else if (offset == IOAPIC_REG_WINDOW) {
		index = io->index_reg;
		/* ID and ARB are read-only here: a 64-bit Linux never
		 * renumbers IOAPICs, and the MADT already names this ID. */
		if (index >= IOAPIC_INDEX_REDIR &&
		    index < IOAPIC_INDEX_REDIR + 2 * VIOAPIC_PINS)
			vioapic_write_redir(io, index, val, &b);
	}
	vioapic_unlock_and_deliver(io, &b);
}

void vioapic_set_pin(struct vioapic *io, u32 pin, bool high)
{
	struct vioapic_batch b;
	bool was_asserted;
	u64 e;

	if (pin >= VIOAPIC_PINS)
		return;
	b.count = 0;
	vioapic_lock(io);
	was_asserted = vioapic_pin_asserted(io, pin);
	if (high)
		io->pin_level |= 1u << pin;
	else
		io->pin_level &= ~(1u << pin);
	e = io->redir[pin];
	if (vioapic_entry_level(e))
		vioapic_check_level(io, pin, &b);
	else if (!was_asserted && vioapic_pin_asserted(io, pin) &&
		 !(e & REDIR_MASKED))
		vioapic_queue(io, pin, &b);
	vioapic_unlock_and_deliver(io, &b);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	struct vioapic_batch b;
	u32 pin;

	b.count = 0;
	vioapic_lock(io);
	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if (!(e & REDIR_REMOTE_IRR) || (u8)(e & REDIR_VECTOR) != vector)
			continue;
		io->redir[pin] = e & ~REDIR_REMOTE_IRR;
		/* A line still asserted means the device still wants
		 * service: the guest's handler did not clear it yet. */
		vioapic_check_level(io, pin, &b);
	}
	vioapic_unlock_and_deliver(io, &b);
}
