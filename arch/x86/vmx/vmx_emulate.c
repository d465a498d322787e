/*
 * Exits VT-x has and AMD-V does not, completed here so generic code sees
 * the same guest either way (it gets EXIT_HANDLED):
 *  - MOV to CR0/CR4 changing a bit VMX forces (CR0.NE, CR4.VMXE): the
 *    guest owns the value it reads back (the read shadow);
 *  - MOV to and from CR8, which exit so that a guest never reaches the
 *    physical TPR (AMD-V keeps the guest's in the VMCB's V_TPR);
 *  - XSETBV, which always exits (AMD-V lets the guest run it).
 */
#include "arch/x86/vmx/vmx_internal.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/cpu.h"
#include "vm/vcpu.h"

#define VEC_GP 13
#define CR0_PE (1ull << 0)
#define CR0_TS (1ull << 3)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_VMXE (1ull << 13)
#define CR4_OSXSAVE (1ull << 18)
#define EFER_LMA (1ull << 10)
#define CR_QUAL_MOV_TO 0
#define CR_QUAL_MOV_FROM 1
#define CR_QUAL_CLTS 2
#define CR_QUAL_LMSW 3
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_BNDREGS (1ull << 3)
#define XCR0_BNDCSR (1ull << 4)
#define XCR0_AVX512 (7ull << 5)

static void skip(struct vmx_vcpu *s)
{
	s->rip += s->exit.insn_len;
	s->dirty |= VMX_DIRTY_RIP;
	s->interruptibility &= ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	s->dirty |= VMX_DIRTY_INTR_STATE;
}

static void raise_gp(struct vcpu *v)
{
	vcpu_queue_exception(v, VEC_GP, true, 0);
}

/* MOV to CR0 as the CPU does it: checks, then long mode on or off. */
static bool emulate_cr0(struct vmx_vcpu *s, u64 val)
{
	u64 old = s->cr0;

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)))
		return false;
	if (!(old & CR0_PG) && (val & CR0_PG) && (s->efer & EFER_LME)) {
		if (!(s->cr4 & CR4_PAE))
			return false;
		s->efer |= EFER_LMA;
		s->dirty |= VMX_DIRTY_EFER;
	}
	if ((old & CR0_PG) && !(val & CR0_PG) && (s->efer & EFER_LMA)) {
		s->efer &= ~EFER_LMA;
		s->dirty |= VMX_DIRTY_EFER;
	}
	s->cr0 = val;
	s->dirty |= VMX_DIRTY_CR0;
	return true;
}

static bool emulate_cr4(struct vmx_vcpu *s, u64 val)
{
	/* VMXE is the host's: a guest never gets VMX. */
	u64 allowed = vmx_caps.cr4_fixed1 & ~CR4_VMXE;

	if ((val & ~allowed) || ((s->efer & EFER_LMA) && !(val & CR4_PAE)))
		return false;
	s->cr4 = val;
	s->dirty |= VMX_DIRTY_CR4;
	return true;
}

/* CR8 as the CPU has it: TPR[7:4], bits 63:4 reserved. Read back as
 * written, and nothing else: like AMD-V's V_TPR, it masks no interrupt
 * of the virtual LAPIC. */
static bool emulate_cr8(struct vcpu *v, struct vmx_vcpu *s, u32 type, u32 reg)
{
	if (type == CR_QUAL_MOV_FROM) {
		v->gpr[reg] = s->cr8; /* RSP: vmx_state_write() sees it */
		return true;
	}
	if (v->gpr[reg] >> 4)
		return false;
	s->cr8 = v->gpr[reg];
	return true;
}

static bool emulate_cr_access(struct vcpu *v, struct vmx_vcpu *s)
{
	u64 q = s->exit.qualification;
	u32 cr = q & 0xf, type = (q >> 4) & 3, reg = (q >> 8) & 0xf;
	u64 val = v->gpr[reg]; /* gpr[GPR_RSP] is current after the exit */
	bool ok;

	if (cr == 8 && (type == CR_QUAL_MOV_TO || type == CR_QUAL_MOV_FROM)) {
		if (!emulate_cr8(v, s, type, reg)) {
			raise_gp(v);
			return true;
		}
		skip(s);
		return true;
	}
	switch (type) {
	case CR_QUAL_MOV_TO:
		if (cr == 0)
			ok = emulate_cr0(s, val);
		else if (cr == 4)
			ok = emulate_cr4(s, val);
		else
			return false; /* CR3 accesses never exit */
		break;
	case CR_QUAL_CLTS:
		ok = emulate_cr0(s, s->cr0 & ~CR0_TS);
		break;
	case CR_QUAL_LMSW: /* PE, MP, EM, TS; LMSW never clears PE */
		val = (q >> 16) & 0xf;
		ok = emulate_cr0(s, (s->cr0 & ~0xeull) | val);
		break;
	default:
		return false;
	}
	if (!ok) {
		raise_gp(v);
		return true;
	}
	skip(s);
	/* Paging modes may have changed behind the guest's back. */
	vmx_flush_guest_tlb(v, s);
	return true;
}

static void emulate_xsetbv(struct vcpu *v, struct vmx_vcpu *s)
{
	struct cpuid_regs xs = cpuid_count(0xd, 0);
	u64 supported = ((u64)xs.edx << 32) | xs.eax;
	u32 index = (u32)v->gpr[GPR_RCX];
	u64 val = ((v->gpr[GPR_RDX] & 0xffffffffull) << 32) |
		  (v->gpr[GPR_RAX] & 0xffffffffull);
	bool avx512 = val & XCR0_AVX512;

	/* The CPU raised #UD (no CR4.OSXSAVE) and #GP (CPL > 0) itself. */
	if (index != 0 || !(val & XCR0_X87) || (val & ~supported) ||
	    ((val & XCR0_AVX) && !(val & XCR0_SSE)) ||
	    (!(val & XCR0_BNDREGS) != !(val & XCR0_BNDCSR)) ||
	    (avx512 && ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XCR0_AVX)))) {
		raise_gp(v);
		return;
	}
	/* The guest's XCR0 lives in the CPU while it runs, as under AMD-V;
	 * arch/x86/guest_state.c switches it with the vCPU. */
	asm volatile("xsetbv" ::"a"((u32)val), "d"((u32)(val >> 32)), "c"(0));
	skip(s);
}

bool vmx_emulate_exit(struct vcpu *v, struct vmx_vcpu *s)
{
	if (s->exit.reason & VMX_EXIT_REASON_ENTRY_FAIL)
		return false;
	switch (s->exit.reason & 0xffff) {
	case VMX_EXIT_CR_ACCESS:
		return emulate_cr_access(v, s);
	case VMX_EXIT_XSETBV:
		emulate_xsetbv(v, s);
		return true;
	default:
		return false;
	}
}
