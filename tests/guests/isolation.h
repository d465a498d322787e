/*
 * What the victim and spy guests (victim.c, spy.c) share: the registers
 * both write and read, the value each one puts there, and access to the
 * XSAVE state. The victim writes values that carry the bytes A5 5A C3 3C
 * (ISO_PAT32, little-endian) in this order, which no register holds by
 * accident; the spy writes values of its own and must never see those
 * bytes, nor find a register of its own changed.
 */
#ifndef GUEST_ISOLATION_H
#define GUEST_ISOLATION_H

#include "lib/types.h"

#define ISO_PAT32 0x3cc35aa5u
#define ISO_PAT64 0x3cc35aa53cc35aa5ull
#define ISO_SPY32 0x51515151u
#define ISO_SPY64 0x5151515151515151ull

/* Registers the guests write and read one by one (GPRs and the XSAVE
 * state have their own paths below). */
enum iso_reg {
	ISO_DR0, ISO_DR1, ISO_DR2, ISO_DR3, ISO_DR6, ISO_DR7,
	ISO_CR2, ISO_CR8,
	ISO_FS_BASE, ISO_GS_BASE, ISO_KERNEL_GS_BASE,
	ISO_STAR, ISO_LSTAR, ISO_CSTAR, ISO_SFMASK,
	ISO_SYSENTER_CS, ISO_SYSENTER_ESP, ISO_SYSENTER_EIP,
	ISO_TSC_AUX, ISO_EFER, ISO_PAT,
	ISO_NR_REGS
};

enum iso_role { ISO_VICTIM, ISO_SPY };

const char *iso_reg_name(enum iso_reg r);
/* The value @role writes to @r; @cur is its value now (EFER keeps the
 * bits the runtime depends on). */
u64 iso_reg_value(enum iso_reg r, enum iso_role role, u64 cur);
/* Both return -1, or the vector of the exception the access raised. */
int iso_reg_read(enum iso_reg r, u64 *val);
int iso_reg_write(enum iso_reg r, u64 val);

/* XSAVE state. The components both guests use: x87, SSE, AVX, AVX-512
 * and PKRU, those the CPU has (0 without XSAVE: FXSAVE then). */
#define ISO_XCR0_X87 1ull
#define ISO_XSAVE_MAX 16384
#define ISO_XSAVE_HEADER 512

/* Set CR4.OSXSAVE where the CPU has XSAVE; returns iso_xcr0_all(). */
u64 iso_xsave_init(void);
u64 iso_xcr0_all(void);
/* Bytes of the XSAVE image with XCR0 = iso_xcr0_all(). */
u32 iso_xsave_size(void);
u64 iso_xgetbv(void);
void iso_xsetbv(u64 xcr0);
void iso_xsave(void *area, u64 mask);
void iso_xrstor(const void *area, u64 mask);
/* An image that fills every register of @mask's components with @word
 * repeated, with x87 control word @fcw and @mxcsr. */
void iso_xstate_build(u8 *area, u64 mask, u32 word, u16 fcw, u32 mxcsr);

/* A byte range of the XSAVE image that holds register contents (not
 * headers or reserved bytes); @name for reports. */
struct iso_range {
	const char *name;
	u32 off, len;
};

/* The ranges of @mask's components, at most @max; returns the count. */
unsigned iso_xstate_ranges(u64 mask, struct iso_range *out, unsigned max);

/*
 * Loads RAX..R15 (not RSP) from in[] (encoding order: RAX RCX RDX RBX RSP
 * RBP RSI RDI R8..R15), makes hypercall in[0] (a yield), spins @spin
 * rounds without touching any of them, then stores them all to out[]
 * (out[0] is the hypercall's result).
 */
void iso_gprs_run(const u64 in[16], u64 out[16], u64 spin);

/* Offset of the first A5 5A C3 3C in @p[0..n), or -1. */
long iso_find_pattern(const void *p, u64 n);

#endif
