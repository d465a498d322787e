/*
 * Holdfast's guest-visible ABI: CPUID leaves, hypercalls and shared-page
 * layouts. Shared by the hypervisor, the test guests and guest-patches/, so
 * it depends on nothing but <stdint.h>-style fixed-width types.
 *
 * Hypercalls: VMMCALL (AMD) and VMCALL (Intel) are both accepted whatever
 * the host vendor. RAX = number, RBX, RCX, RDX, RSI = arguments 0-3,
 * result in RAX. A call from guest CPL != 0 returns -HF_EPERM and does
 * nothing. KVM numbers are used for KVM-compatible calls; Holdfast's own
 * calls live at HF_HC_BASE and above.
 */
#ifndef HOLDFAST_ABI_H
#define HOLDFAST_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __u64 hf_u64;
typedef __u32 hf_u32;
#else
#include <stdint.h>
typedef uint64_t hf_u64;
typedef uint32_t hf_u32;
#endif

/* CPUID leaves. 0x40000000 carries the KVM signature so stock Linux turns
 * on its paravirtual features; Holdfast's own leaves start at 0x40000100. */
#define HF_CPUID_KVM_SIGNATURE 0x40000000u  /* EBX,ECX,EDX = "KVMKVMKVM\0\0\0" */
#define HF_CPUID_KVM_FEATURES 0x40000001u   /* EAX = KVM feature bits */
#define HF_CPUID_SIGNATURE 0x40000100u      /* EAX = max Holdfast leaf */
#define HF_CPUID_FEATURES 0x40000101u       /* EAX = HF_FEATURE_* bits */
#define HF_SIGNATURE_EBX 0x646c6f48u        /* "Hold" */
#define HF_SIGNATURE_ECX 0x74736166u        /* "fast" */
#define HF_SIGNATURE_EDX 0x00000000u

/* Hypercall numbers (RAX). */
#define HF_HC_KVM_KICK_CPU 5     /* KVM: a0 = flags, a1 = APIC ID */
#define HF_HC_KVM_SEND_IPI 10    /* KVM: a0/a1 = 128-bit destination bitmap,
				  * a2 = APIC ID of bit 0, a3 = ICR low word
				  * (vector | delivery mode: fixed or NMI);
				  * returns the number of vCPUs reached */
#define HF_HC_KVM_SCHED_YIELD 11 /* KVM: a0 = APIC ID to yield to */
#define HF_HC_BASE 0x48460000u   /* "HF" */
#define HF_HC_NOP (HF_HC_BASE + 0) /* returns 0: the cheapest round trip */
#define HF_HC_VCPU_INFO (HF_HC_BASE + 1) /* returns (vcpus << 32) | index */
/* a0 = guest-physical address of the calling vCPU's struct
 * hf_preempt_block (64-byte aligned), 0 to unregister. Returns 0, or
 * -HF_EINVAL (misaligned, outside the VM). */
#define HF_HC_PREEMPT_REGISTER (HF_HC_BASE + 2)
/* Give the CPU back after an extension (preempt_pending was set and the
 * lock depth is back at 0). Returns 0. */
#define HF_HC_PREEMPT_YIELD (HF_HC_BASE + 3)

/* CPUID HF_CPUID_FEATURES EAX bits. */
#define HF_FEATURE_PREEMPT_DELAY (1u << 0) /* the two calls above work (the
					    * VM's lhp= mode decides whether
					    * extensions are granted) */

/*
 * Delayed preemption (Uhlig et al., VM'04), one block per vCPU, registered
 * by that vCPU. The guest counts the spinlocks it holds or is acquiring in
 * lock_depth (incremented before spinning, so waiters count too). When
 * the vCPU's time slice ends with lock_depth > 0, Holdfast grants one
 * extension of lhp_delay= microseconds and sets preempt_pending; the guest
 * calls HF_HC_PREEMPT_YIELD as soon as lock_depth drops back to 0 with
 * preempt_pending set. A vCPU still at depth > 0 when the extension ends is
 * preempted anyway (counted in `forced`); a second extension needs a yield
 * in between. The extension is ordinary run time, charged to the vCPU.
 */
struct hf_preempt_block {
	hf_u32 lock_depth;      /* guest writes */
	hf_u32 preempt_pending; /* Holdfast sets, the yield clears */
	hf_u32 extensions;      /* Holdfast: extensions granted */
	hf_u32 forced;          /* Holdfast: preempted at depth > 0 anyway */
	hf_u32 yields;          /* Holdfast: HF_HC_PREEMPT_YIELD calls */
	hf_u32 reserved[11];
};
_Static_assert(sizeof(struct hf_preempt_block) == 64, "hf_preempt_block ABI");
_Static_assert(__builtin_offsetof(struct hf_preempt_block, lock_depth) == 0,
	       "hf_preempt_block ABI");
_Static_assert(__builtin_offsetof(struct hf_preempt_block, preempt_pending) == 4,
	       "hf_preempt_block ABI");

/* Hypercall errors, returned negated in RAX (KVM's values). */
#define HF_EPERM 1
#define HF_EINVAL 22
#define HF_ENOSYS 1000

/* ICR delivery modes accepted by HF_HC_KVM_SEND_IPI. */
#define HF_IPI_FIXED (0u << 8)
#define HF_IPI_NMI (4u << 8)

/* Guest debug console (the debugcon convention): bytes written to this
 * port form lines that Holdfast prints as "[VM NAME] text". */
#define HF_DEBUGCON_PORT 0xe9

#endif
