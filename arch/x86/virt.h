/*
 * The vendor-neutral virtualization interface. One backend (AMD-V in
 * arch/x86/svm/, Intel VT-x in arch/x86/vmx/) fills `struct vcpu_ops` at
 * boot from CPUID; generic code calls only the vcpu_*() and virt_*()
 * wrappers below (never vcpu_ops itself: tests/check_layers.py checks it)
 * and sees only `struct vm_exit` records. Nothing outside arch/x86 names a
 * backend, and backends learn VM policy only through these calls (e.g.
 * vcpu_set_intercept), never by reading VM configuration.
 */
#ifndef HOLDFAST_X86_VIRT_H
#define HOLDFAST_X86_VIRT_H

#include "lib/types.h"
#include "arch/x86/gpa_map.h"

struct vcpu;

/* Why the guest stopped running, vendor-neutral. */
enum vm_exit_reason {
	EXIT_INTR,          /* a host interrupt arrived (taken by the host) */
	EXIT_NMI,           /* a host NMI arrived */
	EXIT_INIT,          /* a host INIT signal */
	EXIT_INTR_WINDOW,   /* the guest can now take an interrupt */
	EXIT_NMI_WINDOW,    /* asked for by want_nmi_window: VT-x's NMI
			     * window, AMD-V's IRET intercept (taken before
			     * the IRET runs). Only nmi_unblocked says NMIs
			     * may go in again */
	EXIT_CPUID,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_IO,
	EXIT_HLT,
	EXIT_PAUSE,
	EXIT_HYPERCALL,     /* VMMCALL or VMCALL */
	EXIT_GPA_FAULT,     /* nested/extended page fault: MMIO or a bad GPA */
	EXIT_EXCEPTION,     /* an intercepted guest exception */
	EXIT_BAD_INSN,      /* a virtualization instruction the guest may not
			     * use (VMRUN, VMLOAD, STGI, VMXON...): #UD */
	EXIT_TRIPLE_FAULT,  /* shutdown */
	EXIT_ENTRY_FAILED,  /* the CPU refused the guest state */
	EXIT_SKIP,          /* an instruction that must not run natively but
			     * means nothing to a guest (INVD would drop the
			     * host's dirty cache lines): completed by
			     * stepping over it */
	EXIT_HANDLED,       /* completed by the backend itself (VT-x: CR0/CR4
			     * writes to bits VMX forces, XSETBV) */
	EXIT_UNKNOWN,       /* anything else: stops the VM with a dump */
	EXIT_REASON_COUNT,
};

struct vm_exit {
	enum vm_exit_reason reason;
	u64 raw_code;   /* the vendor's exit code, for dumps */
	u64 raw_info1, raw_info2;
	u32 insn_len;   /* 0: unknown, the generic code decodes */
	/* Whatever the reason: the guest's NMI blocking ended by this exit
	 * (its NMI handler's IRET retired), so another NMI may go in. */
	bool nmi_unblocked;
	union {
		struct {
			u16 port;
			u8 size;      /* 1, 2 or 4 */
			bool in;
			bool string;  /* INS/OUTS: not emulated */
			bool rep;
		} io;
		u32 msr;
		struct {
			/* The hardware's pause filter saw a spin loop (VT-x
			 * pause-loop exiting, AMD-V's pause filter count):
			 * no software filter is needed. */
			bool loop;
		} pause;
		struct {
			u64 gpa;
			bool write;
			bool fetch;
			bool present; /* the GPA was mapped: a permission fault */
		} gpa_fault;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
		} exception;
	};
};

/* Guest registers kept in the VMCB/VMCS; the other GPRs live in
 * struct vcpu's gpr[] and are switched by the backend's entry code. */
enum vcpu_reg {
	VREG_RIP,
	VREG_RFLAGS,
	VREG_CR0,
	VREG_CR2,
	VREG_CR3,
	VREG_CR4,
	VREG_EFER,
	VREG_PAT,
};

enum vcpu_seg { VSEG_ES, VSEG_CS, VSEG_SS, VSEG_DS, VSEG_FS, VSEG_GS,
		VSEG_TR, VSEG_LDTR, VSEG_GDTR, VSEG_IDTR };

/* Segment attributes in the AMD packed form (type:4 s:1 dpl:2 p:1 avl:1
 * l:1 db:1 g:1); the VT-x backend converts. */
struct segment {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
};

#define SEG_ATTR_L (1u << 9)
#define SEG_ATTR_DB (1u << 10)

enum event_type { EVENT_EXTINT, EVENT_NMI, EVENT_EXCEPTION };

/* Optional intercepts generic code turns on per vCPU, before its first
 * entry. */
enum vcpu_intercept {
	/* PAUSE exits for spin detection: filtered by the hardware where it
	 * has a pause filter (VT-x pause-loop exiting, AMD-V's pause filter
	 * count), every PAUSE otherwise. */
	VINTERCEPT_PAUSE,
};

struct event {
	enum event_type type;
	u8 vector;
	bool has_error;
	u32 error;
};

struct vcpu_ops {
	const char *name; /* "AMD-V", "VT-x" */
	/* Enable virtualization on the calling CPU; false with @*why set. */
	bool (*cpu_enable)(const char **why);
	/* Allocate and initialise per-vCPU hardware state (VMCB/VMCS) with
	 * intercepts for everything generic code handles. */
	bool (*create)(struct vcpu *v);
	void (*destroy)(struct vcpu *v);
	/* Enter the guest until the next exit; fills @exit. Called with host
	 * interrupts enabled; returns with them enabled. */
	void (*run)(struct vcpu *v, struct vm_exit *exit);
	u64 (*get_reg)(struct vcpu *v, enum vcpu_reg reg);
	void (*set_reg)(struct vcpu *v, enum vcpu_reg reg, u64 val);
	void (*get_seg)(struct vcpu *v, enum vcpu_seg seg, struct segment *s);
	void (*set_seg)(struct vcpu *v, enum vcpu_seg seg, const struct segment *s);
	/* Deliver @e at the next entry. */
	void (*inject)(struct vcpu *v, const struct event *e);
	/* An event whose delivery the last exit interrupted (to re-inject). */
	bool (*interrupted_event)(struct vcpu *v, struct event *e);
	/* Interrupt shadow after STI or MOV SS: no interrupt now. */
	bool (*in_interrupt_shadow)(struct vcpu *v);
	/* Ask for an EXIT_INTR_WINDOW / EXIT_NMI_WINDOW exit. */
	void (*want_intr_window)(struct vcpu *v, bool on);
	void (*want_nmi_window)(struct vcpu *v, bool on);
	/* Forget every event in flight (a pending injection, an interrupted
	 * delivery, retries, window requests, interrupt and NMI blocking):
	 * at INIT and VM (re)boot. */
	void (*reset_events)(struct vcpu *v);
	int (*guest_cpl)(struct vcpu *v);
	void (*set_intercept)(struct vcpu *v, enum vcpu_intercept what, bool on);
	/* Print the backend's view of the guest state. */
	void (*dump)(struct vcpu *v);
	/* Entry bits of the guest-physical map (NPT or EPT format). */
	const struct gpa_map_format *gpa_format;
	/* Global set-up on the boot CPU, before any cpu_enable(). */
	bool (*init)(const char **why);
};

extern const struct vcpu_ops *vcpu_ops;

/* Pick the backend from CPUID and enable it on the boot CPU. Returns false
 * with @*why when no usable hardware virtualization exists. */
bool virt_init(const char **why);
/* Enable it on the calling (application) CPU. */
bool virt_cpu_enable(const char **why);

static inline const char *virt_backend_name(void)
{
	return vcpu_ops->name;
}

static inline const struct gpa_map_format *virt_gpa_format(void)
{
	return vcpu_ops->gpa_format;
}

/* The backend's per-vCPU state (VMCB/VMCS): made once per vCPU. */
static inline bool vcpu_hw_create(struct vcpu *v)
{
	return vcpu_ops->create(v);
}

static inline void vcpu_hw_destroy(struct vcpu *v)
{
	vcpu_ops->destroy(v);
}

/* One guest entry, until the next exit (vm/vcpu.c's vcpu_run loops on it). */
static inline void vcpu_enter(struct vcpu *v, struct vm_exit *exit)
{
	vcpu_ops->run(v, exit);
}

static inline u64 vcpu_get_reg(struct vcpu *v, enum vcpu_reg r)
{
	return vcpu_ops->get_reg(v, r);
}

static inline void vcpu_set_reg(struct vcpu *v, enum vcpu_reg r, u64 val)
{
	vcpu_ops->set_reg(v, r, val);
}

static inline void vcpu_get_seg(struct vcpu *v, enum vcpu_seg seg, struct segment *s)
{
	vcpu_ops->get_seg(v, seg, s);
}

static inline void vcpu_set_seg(struct vcpu *v, enum vcpu_seg seg,
				const struct segment *s)
{
	vcpu_ops->set_seg(v, seg, s);
}

static inline void vcpu_inject_event(struct vcpu *v, const struct event *e)
{
	vcpu_ops->inject(v, e);
}

static inline bool vcpu_interrupted_event(struct vcpu *v, struct event *e)
{
	return vcpu_ops->interrupted_event(v, e);
}

static inline bool vcpu_in_interrupt_shadow(struct vcpu *v)
{
	return vcpu_ops->in_interrupt_shadow(v);
}

static inline void vcpu_want_intr_window(struct vcpu *v, bool on)
{
	vcpu_ops->want_intr_window(v, on);
}

static inline void vcpu_want_nmi_window(struct vcpu *v, bool on)
{
	vcpu_ops->want_nmi_window(v, on);
}

static inline void vcpu_reset_events(struct vcpu *v)
{
	vcpu_ops->reset_events(v);
}

static inline int vcpu_guest_cpl(struct vcpu *v)
{
	return vcpu_ops->guest_cpl(v);
}

static inline void vcpu_set_intercept(struct vcpu *v, enum vcpu_intercept what,
				      bool on)
{
	vcpu_ops->set_intercept(v, what, on);
}

static inline void vcpu_hw_dump(struct vcpu *v)
{
	vcpu_ops->dump(v);
}

#endif
