/*
 * A vCPU's VMCS: where it is active, its constant fields, the host state
 * of the CPU it is loaded on, and the copy of guest registers generic code
 * sees.
 *
 * A VMCS may be active on one CPU only; the scheduler moves vCPUs between
 * CPUs. So a vCPU remembers the CPU its VMCS is active on, and the first
 * run on another CPU asks that CPU (a cross-CPU call) to VMCLEAR it, then
 * loads it here and writes this CPU's host state: VMCLEAR keeps the rest
 * of the VMCS in memory. A CPU running several vCPUs in turn only
 * VMPTRLDs, and VMRESUMEs each.
 */
#include "arch/x86/vmx/vmx_internal.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_PAT 0x277
#define EFER_LMA (1ull << 10)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define PLE_GAP 128
#define PLE_WINDOW 4096
#define EXCEPTIONS_INTERCEPTED ((1u << 1) | (1u << 6) | (1u << 17) | (1u << 18))

/* The VMCS current on each CPU (its physical address; 0: none). */
static u64 current_vmcs[MAX_CPUS];

struct __packed desc_ptr {
	u16 limit;
	u64 base;
};

static void vmcs_clear_here(void *arg)
{
	struct vmx_vcpu *s = arg;
	u32 cpu = this_cpu()->index;

	vmclear(s->vmcs_pa);
	if (current_vmcs[cpu] == s->vmcs_pa)
		current_vmcs[cpu] = 0;
	__atomic_store_n(&s->cpu, -1, __ATOMIC_RELEASE);
}

void vmx_vmcs_release(struct vmx_vcpu *s)
{
	s32 cpu = __atomic_load_n(&s->cpu, __ATOMIC_ACQUIRE);

	if (cpu >= 0 && !smp_call((u32)cpu, vmcs_clear_here, s))
		pr_err("holdfast: VT-x: CPU %d did not clear a VMCS", cpu);
}

/* This CPU's host state: selectors, bases and tables differ per CPU. */
static void vmcs_write_host_state(void)
{
	struct desc_ptr gdt, idt;
	u16 cs, ss, ds, es, fs, gs, tr;

	asm volatile("sgdt %0" : "=m"(gdt));
	asm volatile("sidt %0" : "=m"(idt));
	asm volatile("mov %%cs, %0" : "=r"(cs));
	asm volatile("mov %%ss, %0" : "=r"(ss));
	asm volatile("mov %%ds, %0" : "=r"(ds));
	asm volatile("mov %%es, %0" : "=r"(es));
	asm volatile("mov %%fs, %0" : "=r"(fs));
	asm volatile("mov %%gs, %0" : "=r"(gs));
	asm volatile("str %0" : "=r"(tr));
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	/* Host selectors must have RPL and TI clear. */
	vmwrite(VMCS_HOST_CS_SEL, cs & ~7u);
	vmwrite(VMCS_HOST_SS_SEL, ss & ~7u);
	vmwrite(VMCS_HOST_DS_SEL, ds & ~7u);
	vmwrite(VMCS_HOST_ES_SEL, es & ~7u);
	vmwrite(VMCS_HOST_FS_SEL, fs & ~7u);
	vmwrite(VMCS_HOST_GS_SEL, gs & ~7u);
	vmwrite(VMCS_HOST_TR_SEL, tr & ~7u);
	vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(VMCS_HOST_TR_BASE, (u64)(uintptr_t)&this_cpu()->desc.tss);
	vmwrite(VMCS_HOST_GDTR_BASE, gdt.base);
	vmwrite(VMCS_HOST_IDTR_BASE, idt.base);
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_entry);
}

/* Fields written once per VMCS: controls, bitmaps, EPT, VPID, the MSR
 * switch area, and guest state generic code never sets. */
static void vmcs_write_constants(struct vcpu *v, struct vmx_vcpu *s)
{
	const struct vmx_caps *c = &vmx_caps;
	u32 cpu2 = c->cpu2;

	if (!s->vpid)
		cpu2 &= ~CPU2_VPID;
	/* Pause-loop exits only where generic code asked for PAUSE exits
	 * (spin detection): other VMs spin undisturbed. */
	if (!s->pause_exits)
		cpu2 &= ~CPU2_PAUSE_LOOP_EXITING;
	vmwrite(VMCS_PIN_CONTROLS, c->pin);
	vmwrite(VMCS_CPU_CONTROLS, s->cpu_ctls);
	vmwrite(VMCS_CPU_CONTROLS2, cpu2);
	vmwrite(VMCS_EXIT_CONTROLS, c->exit);
	vmwrite(VMCS_ENTRY_CONTROLS, s->entry_ctls);
	vmwrite(VMCS_EXCEPTION_BITMAP, EXCEPTIONS_INTERCEPTED);
	vmwrite(VMCS_PF_ERROR_MASK, 0);
	vmwrite(VMCS_PF_ERROR_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_IO_BITMAP_A, c->io_bitmap_pa);
	vmwrite(VMCS_IO_BITMAP_B, c->io_bitmap_pa + PAGE_SIZE);
	vmwrite(VMCS_MSR_BITMAP, c->msr_bitmap_pa);
	vmwrite(VMCS_EPT_POINTER, v->vm->map.root | EPTP_WALK4 | EPTP_WB);
	if (s->vpid)
		vmwrite(VMCS_VPID, s->vpid);
	if (cpu2 & CPU2_PAUSE_LOOP_EXITING) {
		vmwrite(VMCS_PLE_GAP, PLE_GAP);
		vmwrite(VMCS_PLE_WINDOW, PLE_WINDOW);
	}
	if (cpu2 & CPU2_XSAVES)
		vmwrite(VMCS_XSS_EXIT_BITMAP, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_ADDR, s->msr_area_pa);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, VMX_GUEST_MSRS);
	vmwrite(VMCS_ENTRY_MSR_LOAD_ADDR, s->msr_area_pa);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, VMX_GUEST_MSRS);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0); /* the host never uses them */
	vmwrite(VMCS_CR0_MASK, c->cr0_mask);
	vmwrite(VMCS_CR4_MASK, c->cr4_mask);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	s->dirty = VMX_DIRTY_ALL;
	s->rsp_in_vmcs = ~v->gpr[GPR_RSP];
}

bool vmx_vmcs_load(struct vcpu *v)
{
	struct vmx_vcpu *s = to_vmx(v);
	u32 cpu = this_cpu()->index;
	s32 old = __atomic_load_n(&s->cpu, __ATOMIC_ACQUIRE);

	if (old == (s32)cpu) {
		if (current_vmcs[cpu] != s->vmcs_pa) {
			if (!vmptrld(s->vmcs_pa))
				return false;
			current_vmcs[cpu] = s->vmcs_pa;
		}
		return true;
	}
	if (old >= 0 && !smp_call((u32)old, vmcs_clear_here, s)) {
		pr_err("holdfast: VT-x: CPU %d did not clear vm %s vcpu %u's VMCS",
		       old, v->vm->name, v->index);
		return false;
	}
	if (!vmptrld(s->vmcs_pa))
		return false;
	current_vmcs[cpu] = s->vmcs_pa;
	s->cpu = (s32)cpu;
	s->launched = false; /* VMCLEAR made it clear */
	if (!s->initialised) {
		vmcs_write_constants(v, s);
		s->initialised = true;
	}
	vmcs_write_host_state();
	/* Translations cached here for this EPT or VPID may be stale: the
	 * guest changed its page tables elsewhere, or a destroyed vCPU or VM
	 * used the same VPID or EPT root. */
	vmx_flush_guest_tlb(v, s);
	return true;
}

void vmx_flush_guest_tlb(struct vcpu *v, struct vmx_vcpu *s)
{
	const struct vmx_caps *c = &vmx_caps;

	if (s->vpid && c->invvpid_type)
		invvpid(c->invvpid_type, s->vpid);
	if (c->invept_type)
		invept(c->invept_type, v->vm->map.root | EPTP_WALK4 | EPTP_WB);
}

static u64 cr0_hw(u64 cr0)
{
	return (cr0 | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
}

static u64 cr4_hw(u64 cr4)
{
	return (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

static void seg_write(const struct segment *sg, u32 i)
{
	if (i >= VSEG_GDTR) { /* GDTR, IDTR: base and limit only */
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * (i - 2), sg->limit);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * (i - 2), sg->base);
		return;
	}
	/* enum vcpu_seg has the VMCS's order: ES CS SS DS FS GS, then the
	 * VMCS has LDTR before TR. */
	u32 n = i == VSEG_TR ? 7 : i == VSEG_LDTR ? 6 : i;

	vmwrite(VMCS_GUEST_ES_SEL + 2 * n, sg->selector);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * n, sg->limit);
	vmwrite(VMCS_GUEST_ES_AR + 2 * n, vmx_ar_from_attrib(sg->attrib));
	vmwrite(VMCS_GUEST_ES_BASE + 2 * n, sg->base);
}

static void seg_read(struct segment *sg, u32 i)
{
	if (i >= VSEG_GDTR) {
		sg->limit = (u32)vmread(VMCS_GUEST_ES_LIMIT + 2 * (i - 2));
		sg->base = vmread(VMCS_GUEST_ES_BASE + 2 * (i - 2));
		return;
	}
	u32 n = i == VSEG_TR ? 7 : i == VSEG_LDTR ? 6 : i;

	sg->selector = (u16)vmread(VMCS_GUEST_ES_SEL + 2 * n);
	sg->limit = (u32)vmread(VMCS_GUEST_ES_LIMIT + 2 * n);
	sg->attrib = vmx_attrib_from_ar((u32)vmread(VMCS_GUEST_ES_AR + 2 * n));
	sg->base = vmread(VMCS_GUEST_ES_BASE + 2 * n);
}

/* PAE paging outside long mode: VM entry loads the four PDPTEs from the
 * VMCS, not from CR3, so they are written whenever paging state changed
 * behind the guest's back. */
static void write_pdptes(struct vcpu *v, struct vmx_vcpu *s)
{
	u64 pdpte[4] = { 0 };

	if (!(s->cr0 & CR0_PG) || !(s->cr4 & CR4_PAE) || (s->efer & EFER_LMA))
		return;
	vm_read_gpa(v->vm, s->cr3 & ~0x1full, pdpte, sizeof(pdpte));
	for (u32 i = 0; i < 4; i++)
		vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

void vmx_state_write(struct vcpu *v, struct vmx_vcpu *s)
{
	u32 d = s->dirty;

	if (d & VMX_DIRTY_RIP)
		vmwrite(VMCS_GUEST_RIP, s->rip);
	if (d & VMX_DIRTY_RFLAGS)
		vmwrite(VMCS_GUEST_RFLAGS, s->rflags);
	if (v->gpr[GPR_RSP] != s->rsp_in_vmcs) {
		vmwrite(VMCS_GUEST_RSP, v->gpr[GPR_RSP]);
		s->rsp_in_vmcs = v->gpr[GPR_RSP];
	}
	if (d & VMX_DIRTY_CR0) {
		vmwrite(VMCS_GUEST_CR0, cr0_hw(s->cr0));
		vmwrite(VMCS_CR0_SHADOW, s->cr0);
	}
	if (d & VMX_DIRTY_CR3)
		vmwrite(VMCS_GUEST_CR3, s->cr3);
	if (d & VMX_DIRTY_CR4) {
		vmwrite(VMCS_GUEST_CR4, cr4_hw(s->cr4));
		vmwrite(VMCS_CR4_SHADOW, s->cr4);
	}
	if (d & VMX_DIRTY_EFER) {
		/* "IA-32e mode guest" is EFER.LMA as VM entry sees it. */
		s->entry_ctls = (s->efer & EFER_LMA) ?
			s->entry_ctls | ENTRY_IA32E_GUEST :
			s->entry_ctls & ~ENTRY_IA32E_GUEST;
		vmwrite(VMCS_GUEST_EFER, s->efer);
		vmwrite(VMCS_ENTRY_CONTROLS, s->entry_ctls);
	}
	if (d & VMX_DIRTY_PAT)
		vmwrite(VMCS_GUEST_PAT, s->pat);
	if (d & VMX_DIRTY_INTR_STATE)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, s->interruptibility);
	if (d & VMX_DIRTY_CPU_CTLS)
		vmwrite(VMCS_CPU_CONTROLS, s->cpu_ctls);
	for (u32 i = 0; i < VMX_NR_SEGS; i++)
		if (d & (VMX_DIRTY_SEG0 << i))
			seg_write(&s->seg[i], i);
	if (d & (VMX_DIRTY_CR0 | VMX_DIRTY_CR3 | VMX_DIRTY_CR4 | VMX_DIRTY_EFER))
		write_pdptes(v, s);
	s->dirty = 0;
}

void vmx_state_read(struct vcpu *v, struct vmx_vcpu *s)
{
	const struct vmx_caps *c = &vmx_caps;
	struct vmx_exit_info *e = &s->exit;

	e->reason = (u32)vmread(VMCS_EXIT_REASON);
	e->qualification = vmread(VMCS_EXIT_QUALIFICATION);
	e->intr_info = (u32)vmread(VMCS_EXIT_INTR_INFO);
	e->intr_error = (u32)vmread(VMCS_EXIT_INTR_ERROR);
	e->insn_len = (u32)vmread(VMCS_EXIT_INSN_LEN);
	e->gpa = (e->reason & 0xffff) == VMX_EXIT_EPT_VIOLATION ?
		 vmread(VMCS_GUEST_PHYS_ADDR) : 0;
	s->idt_vectoring_info = (u32)vmread(VMCS_IDT_VECTORING_INFO);
	s->idt_vectoring_error = (u32)vmread(VMCS_IDT_VECTORING_ERROR);

	s->rip = vmread(VMCS_GUEST_RIP);
	s->rflags = vmread(VMCS_GUEST_RFLAGS);
	v->gpr[GPR_RSP] = s->rsp_in_vmcs = vmread(VMCS_GUEST_RSP);
	/* Forced bits read as the guest last wrote them (the shadows). */
	s->cr0 = (vmread(VMCS_GUEST_CR0) & ~c->cr0_mask) | (s->cr0 & c->cr0_mask);
	s->cr3 = vmread(VMCS_GUEST_CR3);
	s->cr4 = (vmread(VMCS_GUEST_CR4) & ~c->cr4_mask) | (s->cr4 & c->cr4_mask);
	s->efer = vmread(VMCS_GUEST_EFER);
	/* The exit stored EFER.LMA in the IA-32e mode guest entry control. */
	s->entry_ctls = (s->efer & EFER_LMA) ? s->entry_ctls | ENTRY_IA32E_GUEST :
		s->entry_ctls & ~ENTRY_IA32E_GUEST;
	s->interruptibility = (u32)vmread(VMCS_GUEST_INTERRUPTIBILITY);
	for (u32 i = 0; i < VMX_NR_SEGS; i++)
		seg_read(&s->seg[i], i);
}
