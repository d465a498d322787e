/* State shared by the VT-x backend's files; nothing outside
 * arch/x86/vmx/ includes this header. */
#ifndef HOLDFAST_VMX_INTERNAL_H
#define HOLDFAST_VMX_INTERNAL_H

#include "arch/x86/virt.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "vm/vcpu.h"

/* What the CPU offers, fixed at boot by vmx_init() on the boot CPU. */
struct vmx_caps {
	u32 revision;
	u32 pin, cpu, cpu2, exit, entry; /* the controls every VMCS uses */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 cr0_mask, cr4_mask; /* the bits VMX forces: guest reads shadows */
	u64 ept_vpid;
	u32 invept_type, invvpid_type; /* 1 single context, 2 all, 0 none */
	u32 timer_shift; /* with PIN_PREEMPTION_TIMER: TSC >> this per count */
	u64 io_bitmap_pa, msr_bitmap_pa;
};

extern struct vmx_caps vmx_caps;

/* Dirty bits: software copies that differ from the VMCS. */
#define VMX_DIRTY_RIP (1u << 0)
#define VMX_DIRTY_RFLAGS (1u << 1)
#define VMX_DIRTY_CR0 (1u << 2)
#define VMX_DIRTY_CR3 (1u << 3)
#define VMX_DIRTY_CR4 (1u << 4)
#define VMX_DIRTY_EFER (1u << 5)
#define VMX_DIRTY_PAT (1u << 6)
#define VMX_DIRTY_INTR_STATE (1u << 7)
#define VMX_DIRTY_CPU_CTLS (1u << 8)
#define VMX_DIRTY_SEG0 (1u << 9) /* + enum vcpu_seg */
#define VMX_DIRTY_ALL 0xffffffffu

#define VMX_NR_SEGS 10
#define VMX_GUEST_MSRS 5

struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 data;
};

/*
 * One vCPU's VT-x state. The guest registers generic code reads live in a
 * software copy, refreshed after every exit, so they can be read on any
 * CPU and while the VMCS is loaded elsewhere; writes mark them dirty and
 * reach the VMCS at the next entry. Owned by the CPU running the vCPU.
 */
struct vmx_vcpu {
	u64 vmcs_pa;
	u64 msr_area_pa;  /* guest STAR..KERNEL_GS_BASE: loaded on entry,
			   * stored on exit */
	s32 cpu;          /* where the VMCS is active, -1: nowhere (clear) */
	bool launched;    /* VMRESUME, not VMLAUNCH */
	bool initialised; /* controls and constant fields written */
	bool pause_exits; /* VINTERCEPT_PAUSE: pause-loop exiting (applied
			   * with the constant fields, before the first entry) */
	u16 vpid;         /* 0: none */
	u32 dirty;

	u64 rip, rflags, rsp_in_vmcs;
	u64 cr0, cr3, cr4; /* as the guest sees them (shadows for forced bits) */
	u64 cr2, efer, pat;
	u64 cr8;           /* the guest's TPR[7:4]: MOV CR8 exits (vmx_emulate.c) */
	struct segment seg[VMX_NR_SEGS];
	u32 interruptibility;
	u32 cpu_ctls, entry_ctls;

	/* Entry injection for the next entry; 0 = none. */
	u32 inject_info, inject_error;

	/* The last exit, as the VMCS reported it. */
	struct vmx_exit_info exit;
	u32 idt_vectoring_info, idt_vectoring_error;
	u32 last_insn_error;
};

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch;
}

/* vmx_cpu.c: capabilities and controls (boot CPU), VMXON (each CPU). */
bool vmx_init(const char **why);
bool vmx_cpu_enable(const char **why);

/* vmx_vmcs.c: make @v's VMCS current on this CPU (clearing it on the CPU
 * it was active on), with its constant fields and this CPU's host state. */
bool vmx_vmcs_load(struct vcpu *v);
/* Clear @s's VMCS wherever it is active (vCPU destruction). */
void vmx_vmcs_release(struct vmx_vcpu *s);
/* Software copy <-> VMCS around an entry (VMCS current, interrupts off). */
void vmx_state_write(struct vcpu *v, struct vmx_vcpu *s);
void vmx_state_read(struct vcpu *v, struct vmx_vcpu *s);

/* vmx_emulate.c: exits the backend completes itself; true if @s's last
 * exit was one (the instruction is then done or an exception queued). */
bool vmx_emulate_exit(struct vcpu *v, struct vmx_vcpu *s);

/* vmx_run.S: enter the guest; 0 after a VM exit, 1 VMfailInvalid, 2
 * VMfailValid (VMCS_INSN_ERROR says why). */
int vmx_enter(u64 *gprs, u32 launched);
void vmx_exit_entry(void); /* HOST_RIP */

/* The TLB flush a vCPU needs when it lands on a CPU or its guest changes
 * paging modes behind an emulated CR write. */
void vmx_flush_guest_tlb(struct vcpu *v, struct vmx_vcpu *s);

#endif
