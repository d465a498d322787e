/* CPUID: the host's answers, filtered. The guest learns it runs under a
 * hypervisor (KVM signature for stock Linux, Holdfast's own at 0x40000100)
 * and never sees the CPU's virtualization extensions or MONITOR/MWAIT. */
#include "kernel/exit.h"
#include "kernel/vm.h"
#include "arch/x86/cpu.h"
#include "paravirt/holdfast_abi.h"

#define KVM_SIGNATURE_EBX 0x4b4d564bu /* "KVMK" */
#define KVM_SIGNATURE_ECX 0x564b4d56u /* "VMKV" */
#define KVM_SIGNATURE_EDX 0x0000004du /* "M\0\0\0" */

#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VIRT_EXT (1u << 5) /* Intel's virtualization extension */
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID81_ECX_VIRT_EXT (1u << 2) /* AMD's virtualization extension */
#define CPUID81_ECX_MONITORX (1u << 29)

static struct cpuid_regs cpuid_hypervisor_leaf(u32 leaf)
{
	switch (leaf) {
	case HF_CPUID_KVM_SIGNATURE:
		return (struct cpuid_regs){ HF_CPUID_KVM_FEATURES,
			KVM_SIGNATURE_EBX, KVM_SIGNATURE_ECX, KVM_SIGNATURE_EDX };
	case HF_CPUID_SIGNATURE:
		return (struct cpuid_regs){ HF_CPUID_FEATURES, HF_SIGNATURE_EBX,
			HF_SIGNATURE_ECX, HF_SIGNATURE_EDX };
	default:
		/* Feature leaves: nothing advertised yet. */
		return (struct cpuid_regs){ 0, 0, 0, 0 };
	}
}

static struct cpuid_regs cpuid_filtered(struct vcpu *v, u32 leaf, u32 sub)
{
	struct cpuid_regs r;

	if (leaf >= 0x40000000 && leaf < 0x50000000)
		return cpuid_hypervisor_leaf(leaf);
	r = cpuid_count(leaf, sub);
	switch (leaf) {
	case 1:
		r.ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VIRT_EXT);
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		/* Initial APIC ID and logical CPU count are the VM's. */
		r.ebx = (r.ebx & 0x0000ffffu) | (v->index << 24) |
			((v->vm->nvcpus & 0xff) << 16);
		break;
	case 5: /* MONITOR/MWAIT leaf: hidden */
	case 0x8000000a: /* virtualization-extension features: hidden */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0x80000001:
		r.ecx &= ~(CPUID81_ECX_VIRT_EXT | CPUID81_ECX_MONITORX);
		break;
	}
	return r;
}

void exit_handle_cpuid(struct vcpu *v, const struct vm_exit *exit)
{
	struct cpuid_regs r = cpuid_filtered(v, (u32)v->gpr[GPR_RAX],
					     (u32)v->gpr[GPR_RCX]);

	if (!exit_skip_insn(v, exit))
		return;
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
}
