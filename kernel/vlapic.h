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

#include "kernel/types.h"

#define VLAPIC_BASE_DEFAULT 0xfee00000ull
#define VLAPIC_X2APIC_MSR_FIRST 0x800
#define VLAPIC_X2APIC_MSR_LAST 0x8ff
#define VLAPIC_MSR_TSC_DEADLINE 0x6e0
#define VLAPIC_VERSION 0x50014 /* integrated APIC, 6 LVT entries (max LVT 5) */

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
 * accesses to 16-byte-aligned registers; others are ignored/read 0. */
u32 vlapic_mmio_read(struct vlapic *l, u32 offset, u64 now);
void vlapic_mmio_write(struct vlapic *l, u32 offset, u32 val, u64 now);
bool vlapic_x2apic_enabled(const struct vlapic *l);
bool vlapic_xapic_enabled(const struct vlapic *l); /* enabled, not x2APIC */

/* Make @vector pending (from a device or an IPI); level: TMR bit. */
void vlapic_set_irq(struct vlapic *l, u8 vector, bool level);

/* Highest pending vector that the PPR lets through, or -1. */
int vlapic_pending_vector(struct vlapic *l);
/* The vCPU took @vector: IRR -> ISR. */
void vlapic_accept(struct vlapic *l, u8 vector);

/* Fire the timer if its deadline (guest TSC) has passed. Returns the next
 * deadline (0 = none). Call before each entry and when the host timer for
 * this vCPU fires. */
u64 vlapic_timer_poll(struct vlapic *l, u64 now);

#endif
