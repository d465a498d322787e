#include "paravirt/hypercall.h"
#include "paravirt/holdfast_abi.h"
#include "sched/lhp/pv_unhalt.h"
#include "sched/lhp/preempt_delay.h"
#include "vm/vm.h"

#define ICR_VECTOR_MASK 0xffu
#define ICR_MODE_MASK (7u << 8)

/* KVM_HC_SEND_IPI: bit i of the 128-bit map a0:a1 names APIC ID a2 + i. */
static s64 hc_send_ipi(struct vcpu *v, u64 lo, u64 hi, u64 min, u64 icr)
{
	u32 mode = icr & ICR_MODE_MASK;
	s64 sent = 0;

	if (mode != HF_IPI_FIXED && mode != HF_IPI_NMI)
		return -HF_EINVAL;
	for (u32 bit = 0; bit < 128; bit++) {
		u64 word = bit < 64 ? lo : hi;
		u64 id = min + bit;

		if (!(word & (1ull << (bit % 64))))
			continue;
		if (id >= v->vm->nvcpus)
			continue; /* KVM ignores absent destinations too */
		if (mode == HF_IPI_NMI)
			vcpu_raise_nmi(v->vm->vcpus[id]);
		else
			vcpu_raise_interrupt(v->vm->vcpus[id], icr & ICR_VECTOR_MASK);
		sent++;
	}
	return sent;
}

void hypercall_handle(struct vcpu *v)
{
	u64 nr = v->gpr[GPR_RAX];
	u64 a0 = v->gpr[GPR_RBX], a1 = v->gpr[GPR_RCX];
	u64 a2 = v->gpr[GPR_RDX], a3 = v->gpr[GPR_RSI];
	s64 ret;

	if (vcpu_guest_cpl(v) != 0) {
		v->gpr[GPR_RAX] = (u64)-HF_EPERM;
		return;
	}
	switch (nr) {
	case HF_HC_NOP:
		ret = 0;
		break;
	case HF_HC_VCPU_INFO:
		ret = (s64)(((u64)v->vm->nvcpus << 32) | v->index);
		break;
	case HF_HC_KVM_SEND_IPI:
		ret = hc_send_ipi(v, a0, a1, a2, a3);
		break;
	case HF_HC_PREEMPT_REGISTER:
		ret = preempt_delay_register(v, a0);
		break;
	case HF_HC_PREEMPT_YIELD:
		ret = preempt_delay_yield(v);
		break;
	case HF_HC_KVM_KICK_CPU:
		ret = pv_kick_cpu(v, a1);
		break;
	case HF_HC_KVM_SCHED_YIELD:
		ret = pv_sched_yield(v, a0);
		break;
	default:
		ret = -HF_ENOSYS;
		break;
	}
	v->gpr[GPR_RAX] = (u64)ret;
}
