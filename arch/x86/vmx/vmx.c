/* VT-x backend: the per-vCPU operations of struct vcpu_ops. Guest state
 * generic code reads and writes is a software copy (vmx_internal.h); the
 * VMCS is touched only by vmx_run() and its helpers. */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_internal.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/page_alloc.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

#define CR0_PE (1ull << 0)
#define POWER_ON_PAT 0x0007040600070406ull
#define EXIT_QUAL_NMI_UNBLOCKED_BY_IRET (1u << 12)
#define MAX_VPID 0xffff

static const u32 guest_msrs[VMX_GUEST_MSRS] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR..SFMASK */
	0xc0000102,                                     /* KERNEL_GS_BASE */
};
static u32 next_vpid = 1;

static bool vmx_create(struct vcpu *v)
{
	struct vmx_vcpu *s = kzalloc(sizeof(*s));

	if (!s)
		return false;
	s->vmcs_pa = page_alloc_one();
	s->msr_area_pa = page_alloc_one();
	if (!s->vmcs_pa || !s->msr_area_pa)
		goto fail;
	*(u32 *)(uintptr_t)s->vmcs_pa = vmx_caps.revision;
	/* VMCLEAR initialises a new VMCS; it is active nowhere after it. */
	if (!vmclear(s->vmcs_pa))
		goto fail;
	struct vmx_msr_entry *msrs = (void *)(uintptr_t)s->msr_area_pa;

	for (u32 i = 0; i < VMX_GUEST_MSRS; i++)
		msrs[i] = (struct vmx_msr_entry){ guest_msrs[i], 0, 0 };
	if (vmx_caps.cpu2 & CPU2_VPID) {
		u32 id = __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED);

		s->vpid = id <= MAX_VPID ? (u16)id : 0; /* beyond: no VPID */
	}
	s->cpu = -1;
	s->cpu_ctls = vmx_caps.cpu;
	s->entry_ctls = vmx_caps.entry;
	s->pat = POWER_ON_PAT;
	s->rflags = 0x2;
	s->dirty = VMX_DIRTY_ALL;
	v->arch = s;
	return true;
fail:
	if (s->vmcs_pa)
		page_free(s->vmcs_pa, 1);
	if (s->msr_area_pa)
		page_free(s->msr_area_pa, 1);
	kfree(s);
	return false;
}

static void vmx_destroy(struct vcpu *v)
{
	struct vmx_vcpu *s = to_vmx(v);

	if (!s)
		return;
	vmx_vmcs_release(s);
	page_free(s->vmcs_pa, 1);
	page_free(s->msr_area_pa, 1);
	kfree(s);
	v->arch = NULL;
}

static void vmx_entry_failed(struct vcpu *v, struct vmx_vcpu *s,
			     struct vm_exit *exit, const char *what, u32 error)
{
	pr_err("holdfast: vm %s vcpu %u: %s failed: VM-instruction error %u (%s)",
	       v->vm->name, v->index, what, error, vmx_insn_error_name(error));
	s->last_insn_error = error;
	s->inject_info = 0;
	*exit = (struct vm_exit){ .reason = EXIT_ENTRY_FAILED,
				  .raw_code = VMX_EXIT_REASON_ENTRY_FAIL | error };
}

/* An exit during IRET in the guest's NMI handler lifted virtual-NMI
 * blocking; the IRET will run again, so blocking is put back. */
static void vmx_restore_nmi_blocking(struct vmx_vcpu *s)
{
	u32 basic = s->exit.reason & 0xffff;
	bool unblocked =
		(basic == VMX_EXIT_EXCEPTION_NMI &&
		 (s->exit.intr_info & EXIT_QUAL_NMI_UNBLOCKED_BY_IRET) &&
		 (s->exit.intr_info & INTR_INFO_VECTOR_MASK) != 8) ||
		(basic == VMX_EXIT_EPT_VIOLATION &&
		 (s->exit.qualification & EXIT_QUAL_NMI_UNBLOCKED_BY_IRET));

	if (unblocked && !(s->idt_vectoring_info & INTR_INFO_VALID)) {
		s->interruptibility |= INTERRUPTIBILITY_NMI;
		s->dirty |= VMX_DIRTY_INTR_STATE;
	}
}

/*
 * The preemption timer, where offered, makes the guest exit when the host
 * timer is due even if that interrupt never causes an exit: under Bochs an
 * external interrupt does not exit a guest that runs with RFLAGS.IF = 0
 * (measured: a CPL-0 test guest ran 11.8 s with 1 interrupt exit, so slices
 * never ended). On hardware both fire together; the exit that comes first
 * finds the host timer pending or imminent.
 */
static void vmx_arm_preemption_timer(void)
{
	u64 target = timer_next_tsc(), now = rdtsc();
	u64 count = target > now ? (target - now) >> vmx_caps.timer_shift : 0;

	if (vmx_caps.pin & PIN_PREEMPTION_TIMER)
		vmwrite(VMCS_PREEMPTION_TIMER, MIN(count, 0xffffffffull));
}

static void vmx_run(struct vcpu *v, struct vm_exit *exit)
{
	struct vmx_vcpu *s = to_vmx(v);
	int r;

	if (!vmx_vmcs_load(v)) {
		vmx_entry_failed(v, s, exit, "VMPTRLD",
				 (u32)vmread(VMCS_INSN_ERROR));
		return;
	}
	irq_disable();
	vmx_state_write(v, s);
	if (s->inject_info) {
		vmwrite(VMCS_ENTRY_INTR_INFO, s->inject_info);
		if (s->inject_info & INTR_INFO_ERROR_VALID)
			vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, s->inject_error);
	}
	vmx_arm_preemption_timer();
	/* CR2 is not switched by VMX; the host takes no page faults. */
	if (read_cr2() != s->cr2)
		write_cr2(s->cr2);
	r = vmx_enter(v->gpr, s->launched);
	if (r) {
		u32 error = r == 2 ? (u32)vmread(VMCS_INSN_ERROR) : 0;

		irq_enable();
		vmx_entry_failed(v, s, exit, s->launched ? "VMRESUME" : "VMLAUNCH",
				 error);
		return;
	}
	s->inject_info = 0; /* the exit cleared the VMCS's copy */
	s->cr2 = read_cr2();
	vmx_state_read(v, s);
	/* A VM-entry failure exit leaves the launch state as it was. */
	if (!(s->exit.reason & VMX_EXIT_REASON_ENTRY_FAIL))
		s->launched = true;
	/* An NMI that caused the exit was consumed by it: hand it to the
	 * host's handler (the panic path's stop signal). A host interrupt
	 * stays pending and is taken at irq_enable(). */
	if ((s->exit.reason & 0xffff) == VMX_EXIT_EXCEPTION_NMI &&
	    (s->exit.intr_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK)) ==
	    (INTR_INFO_VALID | INTR_TYPE_NMI))
		asm volatile("int $2");
	irq_enable();
	vmx_restore_nmi_blocking(s);
	if (vmx_emulate_exit(v, s)) {
		*exit = (struct vm_exit){ .reason = EXIT_HANDLED,
					  .raw_code = s->exit.reason,
					  .raw_info1 = s->exit.qualification };
		return;
	}
	vmx_translate_exit(&s->exit, exit);
}

static u64 *vmx_reg_slot(struct vmx_vcpu *s, enum vcpu_reg reg, u32 *dirty)
{
	switch (reg) {
	case VREG_RIP: *dirty = VMX_DIRTY_RIP; return &s->rip;
	case VREG_RFLAGS: *dirty = VMX_DIRTY_RFLAGS; return &s->rflags;
	case VREG_CR0: *dirty = VMX_DIRTY_CR0; return &s->cr0;
	case VREG_CR2: *dirty = 0; return &s->cr2;
	case VREG_CR3: *dirty = VMX_DIRTY_CR3; return &s->cr3;
	case VREG_CR4: *dirty = VMX_DIRTY_CR4; return &s->cr4;
	case VREG_EFER: *dirty = VMX_DIRTY_EFER; return &s->efer;
	case VREG_PAT: *dirty = VMX_DIRTY_PAT; return &s->pat;
	}
	return NULL;
}

static u64 vmx_get_reg(struct vcpu *v, enum vcpu_reg reg)
{
	u32 dirty;

	return *vmx_reg_slot(to_vmx(v), reg, &dirty);
}

static void vmx_set_reg(struct vcpu *v, enum vcpu_reg reg, u64 val)
{
	struct vmx_vcpu *s = to_vmx(v);
	u32 dirty;

	*vmx_reg_slot(s, reg, &dirty) = val;
	s->dirty |= dirty;
	/* Moving RIP completes an instruction: an STI or MOV SS shadow
	 * ends with it (VM entry refuses an injected interrupt inside one). */
	if (reg == VREG_RIP &&
	    (s->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		s->interruptibility &= ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
		s->dirty |= VMX_DIRTY_INTR_STATE;
	}
}

static void vmx_get_seg(struct vcpu *v, enum vcpu_seg seg, struct segment *sg)
{
	*sg = to_vmx(v)->seg[seg];
}

static void vmx_set_seg(struct vcpu *v, enum vcpu_seg seg, const struct segment *sg)
{
	struct vmx_vcpu *s = to_vmx(v);

	s->seg[seg] = *sg;
	s->dirty |= VMX_DIRTY_SEG0 << seg;
}

static void vmx_inject(struct vcpu *v, const struct event *e)
{
	struct vmx_vcpu *s = to_vmx(v);
	u32 type = e->type == EVENT_NMI ? INTR_TYPE_NMI :
		   e->type == EVENT_EXCEPTION ? INTR_TYPE_HW_EXCEPTION :
		   INTR_TYPE_EXTINT;
	u32 info = INTR_INFO_VALID | type | e->vector;

	/* Real mode (unrestricted guest) pushes no error code. */
	if (e->has_error && (s->cr0 & CR0_PE)) {
		info |= INTR_INFO_ERROR_VALID;
		s->inject_error = e->error;
	}
	u32 blocking = vmx_interruptibility_for_injection(s->interruptibility,
							  info);

	if (blocking != s->interruptibility) {
		s->interruptibility = blocking;
		s->dirty |= VMX_DIRTY_INTR_STATE;
	}
	s->inject_info = info;
}

static bool vmx_interrupted_event(struct vcpu *v, struct event *e)
{
	struct vmx_vcpu *s = to_vmx(v);
	u32 info = s->idt_vectoring_info;
	u32 type = info & INTR_INFO_TYPE_MASK;

	if (!(info & INTR_INFO_VALID))
		return false;
	/* INTn, INT1, INT3 and INTO run again: nothing to re-inject. */
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SOFT_EXCEPTION ||
	    type == INTR_TYPE_SOFT_EXCEPTION)
		return false;
	e->type = type == INTR_TYPE_NMI ? EVENT_NMI :
		  type == INTR_TYPE_HW_EXCEPTION ? EVENT_EXCEPTION : EVENT_EXTINT;
	e->vector = (u8)(info & INTR_INFO_VECTOR_MASK);
	e->has_error = info & INTR_INFO_ERROR_VALID;
	e->error = s->idt_vectoring_error;
	return true;
}

static bool vmx_in_interrupt_shadow(struct vcpu *v)
{
	return to_vmx(v)->interruptibility &
	       (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
}

static void vmx_set_cpu_ctl(struct vmx_vcpu *s, u32 bit, bool on)
{
	u32 ctls = on ? s->cpu_ctls | bit : s->cpu_ctls & ~bit;

	if (ctls != s->cpu_ctls) {
		s->cpu_ctls = ctls;
		s->dirty |= VMX_DIRTY_CPU_CTLS;
	}
}

static void vmx_want_intr_window(struct vcpu *v, bool on)
{
	vmx_set_cpu_ctl(to_vmx(v), CPU_INTR_WINDOW_EXITING, on);
}

static void vmx_want_nmi_window(struct vcpu *v, bool on)
{
	/* With virtual NMIs the window opens at the handler's IRET. */
	vmx_set_cpu_ctl(to_vmx(v), CPU_NMI_WINDOW_EXITING, on);
}

/* A reset CPU has no event in flight and nothing blocked: a rebooted VM
 * must not get the last run's event, nor enter under its NMI blocking. */
static void vmx_reset_events(struct vcpu *v)
{
	struct vmx_vcpu *s = to_vmx(v);

	s->inject_info = 0;
	s->inject_error = 0;
	s->idt_vectoring_info = 0;
	s->idt_vectoring_error = 0;
	vmx_set_cpu_ctl(s, CPU_INTR_WINDOW_EXITING | CPU_NMI_WINDOW_EXITING,
			false);
	s->interruptibility = 0;
	s->dirty |= VMX_DIRTY_INTR_STATE;
}

static int vmx_guest_cpl(struct vcpu *v)
{
	struct vmx_vcpu *s = to_vmx(v);

	if (!(s->cr0 & CR0_PE))
		return 0;
	return (s->seg[VSEG_SS].attrib >> 5) & 3; /* CPL is SS.DPL */
}

static void vmx_dump(struct vcpu *v)
{
	const struct vmx_vcpu *s = to_vmx(v);
	const struct segment *cs = &s->seg[VSEG_CS], *ss = &s->seg[VSEG_SS];

	pr_err("  VMCS exit reason %x qual %lx intr %x/%x idt-vectoring %x/%x insn-error %u",
	       s->exit.reason, s->exit.qualification, s->exit.intr_info,
	       s->exit.intr_error, s->idt_vectoring_info,
	       s->idt_vectoring_error, s->last_insn_error);
	pr_err("  CS %04x/%04x base %lx limit %x SS %04x/%04x EFER %lx entry-ctls %x cpu-ctls %x interruptibility %x",
	       cs->selector, cs->attrib, cs->base, cs->limit, ss->selector,
	       ss->attrib, s->efer, s->entry_ctls, s->cpu_ctls,
	       s->interruptibility);
	for (u32 i = 0; i < VMX_NR_SEGS; i++)
		pr_err("  seg %u: %04x attrib %04x limit %x base %lx", i,
		       s->seg[i].selector, s->seg[i].attrib, s->seg[i].limit,
		       s->seg[i].base);
}

static const struct gpa_map_format ept_format = {
	.table_bits = EPT_RWX,
	.page_bits = EPT_RWX | EPT_MEMTYPE_WB,
	.large_bits = EPT_RWX | EPT_MEMTYPE_WB | EPT_LARGE,
};

/* VT-x filters PAUSE in hardware (pause-loop exiting); the control is
 * written with the VMCS's constant fields at its first load, so this is
 * called before the vCPU's first entry. */
static void vmx_set_intercept(struct vcpu *v, enum vcpu_intercept what, bool on)
{
	if (what == VINTERCEPT_PAUSE)
		to_vmx(v)->pause_exits = on;
}

const struct vcpu_ops vmx_ops = {
	.name = "VT-x",
	.cpu_enable = vmx_cpu_enable,
	.create = vmx_create,
	.destroy = vmx_destroy,
	.run = vmx_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.get_seg = vmx_get_seg,
	.set_seg = vmx_set_seg,
	.inject = vmx_inject,
	.interrupted_event = vmx_interrupted_event,
	.in_interrupt_shadow = vmx_in_interrupt_shadow,
	.want_intr_window = vmx_want_intr_window,
	.want_nmi_window = vmx_want_nmi_window,
	.reset_events = vmx_reset_events,
	.guest_cpl = vmx_guest_cpl,
	.set_intercept = vmx_set_intercept,
	.dump = vmx_dump,
	.gpa_format = &ept_format,
	.init = vmx_init,
};
