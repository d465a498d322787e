/*
 * RDMSR/WRMSR: an allowlist. The MSRs a guest owns outright (SYSENTER_*,
 * STAR/LSTAR/CSTAR/SFMASK, FS/GS/KERNEL_GS base) never exit: the backend
 * switches them. Everything else lands here; an MSR not in the table below
 * raises #GP in the guest, so nothing of the host is ever read or written.
 * The table is documented in README.md ("Guest MSRs").
 */
#include "vm/exit.h"
#include "kernel/console.h"
#include "vm/vm.h"
#include "arch/x86/cpu.h"
#include "paravirt/kvmclock.h"
#include "paravirt/steal_time.h"

#define VEC_GP 13
#define MSR_TSC 0x10
#define MSR_BIOS_SIGN_ID 0x8b /* microcode revision */
#define MSR_AMD_HWCR 0xc0010015
#define MSR_AMD_DE_CFG 0xc0011029
#define MSR_APIC_BASE_ADDR 0x1b
#define MSR_MTRR_CAP 0xfe
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT 0x277
#define MSR_EFER_ADDR 0xc0000080

/* SCE, LME, LMA, NXE: what a guest may set in EFER. */
#define EFER_GUEST_BITS ((1ull << 0) | (1ull << 8) | (1ull << 10) | (1ull << 11))

static bool msr_is_vlapic(u32 msr)
{
	return (msr >= VLAPIC_X2APIC_MSR_FIRST && msr <= VLAPIC_X2APIC_MSR_LAST) ||
	       msr == VLAPIC_MSR_TSC_DEADLINE;
}

/* Returns false for #GP. */
static bool msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (msr_is_vlapic(msr))
		return vlapic_msr_read(&v->lapic, msr, rdtsc(), val);
	switch (msr) {
	case MSR_KVM_WALL_CLOCK_NEW:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return kvmclock_msr_read(v, msr, val);
	case MSR_KVM_STEAL_TIME: /* only where CPUID offers it, as KVM */
		*val = steal_time_msr_value(v);
		return v->vm->cfg->lhp & LHP_KVMPV;
	case MSR_EFER_ADDR:
		*val = vcpu_get_reg(v, VREG_EFER);
		return true;
	case MSR_PAT:
		*val = vcpu_get_reg(v, VREG_PAT);
		return true;
	case MSR_TSC:
		*val = rdtsc();
		return true;
	case MSR_APIC_BASE_ADDR:
		*val = v->lapic.apic_base;
		return true;
	case MSR_MTRR_CAP:
		*val = 0; /* no MTRRs */
		return true;
	case MSR_MISC_ENABLE:
		*val = 1; /* fast strings */
		return true;
	case MSR_BIOS_SIGN_ID:
	case MSR_AMD_HWCR:
	case MSR_AMD_DE_CFG:
		*val = 0; /* no microcode to report, no model quirks */
		return true;
	}
	return false;
}

static bool pat_valid(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 type = (pat >> (i * 8)) & 0xff;

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

static bool msr_write(struct vcpu *v, u32 msr, u64 val)
{
	if (msr_is_vlapic(msr))
		return vlapic_msr_write(&v->lapic, msr, rdtsc(), val);
	switch (msr) {
	case MSR_KVM_WALL_CLOCK_NEW:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return kvmclock_msr_write(v, msr, val);
	case MSR_KVM_STEAL_TIME:
		return (v->vm->cfg->lhp & LHP_KVMPV) &&
		       steal_time_msr_write(v, val);
	case MSR_APIC_BASE_ADDR:
		return vlapic_set_apic_base(&v->lapic, val);
	case MSR_EFER_ADDR:
		if (val & ~EFER_GUEST_BITS)
			return false;
		vcpu_set_reg(v, VREG_EFER, val);
		return true;
	case MSR_PAT:
		if (!pat_valid(val))
			return false;
		vcpu_set_reg(v, VREG_PAT, val);
		return true;
	case MSR_MISC_ENABLE:
	case MSR_BIOS_SIGN_ID:
	case MSR_AMD_HWCR:
	case MSR_AMD_DE_CFG:
		return true; /* accepted and ignored */
	}
	return false;
}

void exit_handle_msr(struct vcpu *v, const struct vm_exit *exit)
{
	u32 msr = (u32)v->gpr[GPR_RCX];
	u64 val = (v->gpr[GPR_RDX] << 32) | (u32)v->gpr[GPR_RAX];
	bool ok;

	if (exit->reason == EXIT_MSR_READ) {
		ok = msr_read(v, msr, &val);
		if (ok) {
			v->gpr[GPR_RAX] = (u32)val;
			v->gpr[GPR_RDX] = val >> 32;
		}
	} else {
		ok = msr_write(v, msr, val);
	}
	if (!ok) {
		pr_debug("holdfast: vm %s vcpu %u: %s of MSR %x refused (#GP)",
			 v->vm->name, v->index,
			 exit->reason == EXIT_MSR_READ ? "read" : "write", msr);
		vcpu_queue_exception(v, VEC_GP, true, 0);
		return;
	}
	exit_skip_insn(v, exit);
}
