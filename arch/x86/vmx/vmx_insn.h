/* The VMX instructions as C functions. Each returns true on success; a
 * failure (CF or ZF set: VMfailInvalid or VMfailValid) returns false and,
 * for VMfailValid, leaves the reason in VMCS_INSN_ERROR. */
#ifndef HOLDFAST_VMX_INSN_H
#define HOLDFAST_VMX_INSN_H

#include "lib/types.h"

static inline bool vmxon(u64 pa)
{
	bool fail;

	asm volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmclear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline u64 vmread(u64 field)
{
	u64 val = 0;

	asm volatile("vmread %1, %0" : "+r"(val) : "r"(field) : "cc");
	return val;
}

static inline bool vmwrite(u64 field, u64 val)
{
	bool fail;

	asm volatile("vmwrite %1, %2; setna %0"
		     : "=qm"(fail) : "rm"(val), "r"(field) : "cc");
	return !fail;
}

struct vmx_inv_desc {
	u64 a, b;
} __aligned(16);

/* INVEPT/INVVPID: @type 1 is one context (the EPTP or VPID in @d), 2 all. */
static inline bool invept(u64 type, u64 eptp)
{
	struct vmx_inv_desc d = { eptp, 0 };
	bool fail;

	asm volatile("invept %1, %2; setna %0"
		     : "=qm"(fail) : "m"(d), "r"(type) : "cc", "memory");
	return !fail;
}

static inline bool invvpid(u64 type, u16 vpid)
{
	struct vmx_inv_desc d = { vpid, 0 };
	bool fail;

	asm volatile("invvpid %1, %2; setna %0"
		     : "=qm"(fail) : "m"(d), "r"(type) : "cc", "memory");
	return !fail;
}

#endif
