/* Holdfast hypercalls (paravirt/holdfast_abi.h): RAX = number,
 * RBX, RCX, RDX, RSI = arguments, result in RAX. Out of line, so that
 * user-mode probes can call them too. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "lib/types.h"
#include "paravirt/holdfast_abi.h"

u64 hypercall_vmmcall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3);
u64 hypercall_vmcall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3);

/* The AMD-V form: the backend these guests are first written for. */
static inline u64 hypercall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3)
{
	return hypercall_vmmcall(nr, a0, a1, a2, a3);
}

/* KVM_HC_SEND_IPI to the vCPUs in @mask (bit i = vCPU i, i < 64). */
static inline u64 hypercall_send_ipi(u64 mask, u32 icr_low)
{
	return hypercall(HF_HC_KVM_SEND_IPI, mask, 0, 0, icr_low);
}

#endif
