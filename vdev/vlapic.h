/*
 * The virtual local APIC: one per vCPU, x2APIC (MSR) and xAPIC (MMIO)
 * access, timer in one-shot, periodic and TSC-deadline modes, IPIs with
 * physical and logical destinations and shorthands, INIT and STARTUP.
 *
 * The core is pure (host unit-tested): it reaches the rest of the
 * hypervisor only through struct vlapic_env callbacks, and time is the
 * guest TSC value the caller passes in.
 */
#ifndef HOLDFAST_VLAPIC_H
#define HOLDFAST_VLAPIC_H

#include "lib/types.h"

#define VLAPIC_BASE_DEFAULT 0xfee00000ull
#define VLAPIC_X2APIC_MSR_FIRST 0x800
#define VLAPIC_X2APIC_MSR_LAST 0x8ff
#define VLAPIC_MSR_TSC_DEADLINE 0x6e0
#define VLAPIC_VERSION 0x50014 /* integrated APIC, 6 LVT entries (max LVT 5) */

/* IA32_APIC_BASE bits. */
#define VLAPIC_BASE_BSP (1ull << 8)
#define VLAPIC_BASE_EXTD (1ull << 10)
#define VLAPIC_BASE_EN (1ull << 11)

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + (off >> 4). */
#define VLAPIC_REG_ID 0x020
#define VLAPIC_REG_VERSION 0x030
#define VLAPIC_REG_TPR 0x080
#define VLAPIC_REG_APR 0x090
#define VLAPIC_REG_PPR 0x0a0
#define VLAPIC_REG_EOI 0x0b0
#define VLAPIC_REG_RRD 0x0c0
#define VLAPIC_REG_LDR 0x0d0
#define VLAPIC_REG_DFR 0x0e0
#define VLAPIC_REG_SVR 0x0f0
#define VLAPIC_REG_ISR 0x100 /* 8 registers each, 0x10 apart */
#define VLAPIC_REG_TMR 0x180
#define VLAPIC_REG_IRR 0x200
#define VLAPIC_REG_ESR 0x280
#define VLAPIC_REG_LVT_CMCI 0x2f0
#define VLAPIC_REG_ICR_LO 0x300
#define VLAPIC_REG_ICR_HI 0x310
#define VLAPIC_REG_LVT_TIMER 0x320
#define VLAPIC_REG_LVT_THERMAL 0x330
#define VLAPIC_REG_LVT_PERF 0x340
#define VLAPIC_REG_LVT_LINT0 0x350
#define VLAPIC_REG_LVT_LINT1 0x360
#define VLAPIC_REG_LVT_ERROR 0x370
#define VLAPIC_REG_TIMER_INIT 0x380
#define VLAPIC_REG_TIMER_CUR 0x390
#define VLAPIC_REG_TIMER_DIV 0x3e0
#define VLAPIC_REG_SELF_IPI 0x3f0 /* x2APIC only */

#define VLAPIC_MSR(reg) (VLAPIC_X2APIC_MSR_FIRST + ((reg) >> 4))

/* SVR, LVT and ICR fields. */
#define VLAPIC_SVR_ENABLE (1u << 8)
#define VLAPIC_LVT_MASKED (1u << 16)
#define VLAPIC_LVT_TIMER_ONESHOT (0u << 17)
#define VLAPIC_LVT_TIMER_PERIODIC (1u << 17)
#define VLAPIC_LVT_TIMER_TSC_DEADLINE (2u << 17)
#define VLAPIC_LVT_TIMER_MODE (3u << 17)
#define VLAPIC_ICR_DM_FIXED (0u << 8)
#define VLAPIC_ICR_DM_LOWEST (1u << 8)
#define VLAPIC_ICR_DM_SMI (2u << 8)
#define VLAPIC_ICR_DM_NMI (4u << 8)
#define VLAPIC_ICR_DM_INIT (5u << 8)
#define VLAPIC_ICR_DM_STARTUP (6u << 8)
#define VLAPIC_ICR_DM_EXTINT (7u << 8)
#define VLAPIC_ICR_DM_MASK (7u << 8)
#define VLAPIC_ICR_LOGICAL (1u << 11)
#define VLAPIC_ICR_BUSY (1u << 12)
#define VLAPIC_ICR_ASSERT (1u << 14)
#define VLAPIC_ICR_LEVEL (1u << 15)
#define VLAPIC_ICR_DEST_SELF (1u << 18)
#define VLAPIC_ICR_DEST_ALL (2u << 18)
#define VLAPIC_ICR_DEST_OTHERS (3u << 18)
#define VLAPIC_ICR_SHORTHAND (3u << 18)

/* ESR bits this model reports. */
#define VLAPIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define VLAPIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6)

struct vlapic;

/* What a vLAPIC asks of the hypervisor. All may be called from any CPU
 * (an IPI from vCPU A runs A's code and touches B's vLAPIC). */
struct vlapic_env {
	void *ctx;
	/* Number of vLAPICs (vCPUs) in the VM and the one with @index. */
	u32 count;
	struct vlapic *(*get)(void *ctx, u32 index);
	/* @target has a new pending interrupt (or NMI/INIT/SIPI): wake it. */
	void (*kick)(void *ctx, u32 index);
	/* INIT or STARTUP(@vector page) for vCPU @index. */
	void (*init)(void *ctx, u32 index);
	void (*startup)(void *ctx, u32 index, u8 vector);
	/* An NMI for vCPU @index. */
	void (*nmi)(void *ctx, u32 index);
	/* The vLAPIC's timer deadline (guest TSC) changed; 0 = none. */
	void (*timer_changed)(void *ctx, u32 index, u64 deadline_tsc);
	/* An EOI for a level-triggered vector (the vIOAPIC clears remote IRR). */
	void (*eoi_level)(void *ctx, u32 index, u8 vector);
};

struct vlapic {
	const struct vlapic_env *env;
	u32 index;       /* vCPU index == APIC ID */
	u64 tsc_hz;      /* guest TSC frequency, for the timer */

	/* Guarded by lock: other CPUs raise interrupts here. */
	volatile u32 lock;
	u64 apic_base;   /* IA32_APIC_BASE value */
	u32 regs[64];    /* 16-byte-stride registers 0x000-0x3f0, index reg>>4 */
	u32 irr[8], isr[8], tmr[8];
	u64 timer_deadline; /* guest TSC of the next expiry, 0 = none */
	u64 timer_period;   /* TSC ticks per period (periodic mode) */
	u64 tsc_deadline;   /* IA32_TSC_DEADLINE */
	u32 esr_pending;    /* errors since the last ESR write */
};

void vlapic_init(struct vlapic *l, const struct vlapic_env *env, u32 index,
		 u64 tsc_hz);
/* Power-on or INIT state (INIT keeps the APIC ID and base). */
void vlapic_reset(struct vlapic *l, bool init_only);

/* Register access. Returns false for a #GP (reserved register, bad value,
 * x2APIC MSR in xAPIC mode, ...). @now is the guest TSC. */
bool vlapic_msr_read(struct vlapic *l, u32 msr, u64 now, u64 *val);
bool vlapic_msr_write(struct vlapic *l, u32 msr, u64 now, u64 val);
/* xAPIC MMIO at the APIC base: @offset within the 4 KiB page; 4-byte
 * accesses to 16-byte-aligned registers; others are ignored/read 0.
 * Outside xAPIC mode (x2APIC or disabled) the page reads all ones and
 * ignores writes. */
u32 vlapic_mmio_read(struct vlapic *l, u32 offset, u64 now);
void vlapic_mmio_write(struct vlapic *l, u32 offset, u32 val, u64 now);
bool vlapic_x2apic_enabled(const struct vlapic *l);
bool vlapic_xapic_enabled(const struct vlapic *l); /* enabled, not x2APIC */
/* A guest write of IA32_APIC_BASE; false for a #GP (an illegal mode
 * transition, reserved bits, or a base other than VLAPIC_BASE_DEFAULT). */
bool vlapic_set_apic_base(struct vlapic *l, u64 val);

/* Make @vector pending (from a device or an IPI); level: TMR bit.
 * Dropped while the APIC is disabled; vectors 0-15 set ESR instead. */
void vlapic_set_irq(struct vlapic *l, u8 vector, bool level);

/* Highest pending vector that the PPR lets through, or -1. */
int vlapic_pending_vector(struct vlapic *l);
/* The vCPU took @vector: IRR -> ISR. */
void vlapic_accept(struct vlapic *l, u8 vector);

/* Fire the timer if its deadline (guest TSC) has passed. Returns the next
 * deadline (0 = none). Call before each entry and when the host timer for
 * this vCPU fires. */
u64 vlapic_timer_poll(struct vlapic *l, u64 now);

/*
 * Internal to vdev/vlapic*.c. An operation runs between vlapic_begin()
 * and vlapic_end(): it changes state under the lock and records in @fx
 * what must reach the env, because env callbacks and other vLAPICs'
 * locks are only taken once our own lock is dropped.
 */
struct vlapic_effects {
	u64 old_deadline;  /* timer_deadline at vlapic_begin() */
	bool kick;         /* our IRR gained a vector */
	int eoi_level;     /* level-triggered vector EOIed, or -1 */
	bool send;         /* an IPI to send after unlocking */
	bool send_x2apic;  /* ... with x2APIC destination semantics */
	u32 send_icr;      /* ICR low half */
	u32 send_dest;     /* x2APIC: 32-bit; xAPIC: ICR bits 63:56 */
};

void vlapic_begin(struct vlapic *l, struct vlapic_effects *fx);
void vlapic_end(struct vlapic *l, struct vlapic_effects *fx);
void vlapic_lock(struct vlapic *l);
void vlapic_unlock(struct vlapic *l);
bool vlapic_sw_enabled(const struct vlapic *l);
/* Both under the lock; true when our IRR gained a vector (kick). */
bool vlapic_deliver_locked(struct vlapic *l, u8 vector, bool level);
bool vlapic_error_locked(struct vlapic *l, u32 esr_bit);

/* vlapic_timer.c, all under the lock. */
void vlapic_timer_stop(struct vlapic *l);
void vlapic_timer_write_lvt(struct vlapic *l, u32 val);
void vlapic_timer_write_initial(struct vlapic *l, u32 val, u64 now);
void vlapic_timer_write_divide(struct vlapic *l, u32 val, u64 now);
u32 vlapic_timer_read_current(const struct vlapic *l, u64 now);
u64 vlapic_timer_read_tsc_deadline(const struct vlapic *l);
void vlapic_timer_write_tsc_deadline(struct vlapic *l, u64 val);

/* vlapic_ipi.c: called with no lock held. */
void vlapic_send_ipi(struct vlapic *src, u32 icr, u32 dest, bool x2apic);

#endif
