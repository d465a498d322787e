/* The AMD-V virtual machine control block (AMD APM vol. 2, appendix B).
 * Only arch/x86/svm/ includes this header. */
#ifndef HOLDFAST_SVM_VMCB_H
#define HOLDFAST_SVM_VMCB_H

#include "lib/types.h"
#include "arch/x86/virt.h"

struct vmcb_control {
	u16 intercept_cr_read;      /* 0x000 */
	u16 intercept_cr_write;
	u16 intercept_dr_read;
	u16 intercept_dr_write;
	u32 intercept_exceptions;   /* 0x008: bit n = vector n */
	u32 intercept_misc1;        /* 0x00c */
	u32 intercept_misc2;        /* 0x010 */
	u32 intercept_misc3;
	u8 reserved1[0x3c - 0x18];
	u16 pause_filter_threshold; /* 0x03c */
	u16 pause_filter_count;
	u64 iopm_base_pa;           /* 0x040 */
	u64 msrpm_base_pa;          /* 0x048 */
	u64 tsc_offset;             /* 0x050 */
	u32 guest_asid;             /* 0x058 */
	u8 tlb_control;             /* 0x05c */
	u8 reserved2[3];
	u64 vintr;                  /* 0x060 */
	u64 interrupt_shadow;       /* 0x068 */
	u64 exit_code;              /* 0x070 */
	u64 exit_info1;             /* 0x078 */
	u64 exit_info2;             /* 0x080 */
	u64 exit_int_info;          /* 0x088 */
	u64 np_control;             /* 0x090 */
	u64 avic_apic_bar;          /* 0x098 */
	u64 ghcb_pa;                /* 0x0a0 */
	u64 event_inject;           /* 0x0a8 */
	u64 n_cr3;                  /* 0x0b0 */
	u64 lbr_virt;               /* 0x0b8 */
	u32 clean_bits;             /* 0x0c0 */
	u32 reserved3;
	u64 next_rip;               /* 0x0c8 */
	u8 insn_fetched;            /* 0x0d0 */
	u8 insn_bytes[15];
	u8 reserved4[0x400 - 0x0e0];
};

struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	u8 reserved1[0x4cb - 0x4a0];
	u8 cpl;                     /* 0x4cb */
	u32 reserved2;
	u64 efer;                   /* 0x4d0 */
	u8 reserved3[0x548 - 0x4d8];
	u64 cr4;                    /* 0x548 */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;                    /* 0x578 */
	u8 reserved4[0x5d8 - 0x580];
	u64 rsp;                    /* 0x5d8 */
	u64 s_cet, ssp, isst_addr;
	u64 rax;                    /* 0x5f8 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;                    /* 0x640 */
	u8 reserved5[0x668 - 0x648];
	u64 g_pat;                  /* 0x668 */
	u64 dbgctl;
	u8 reserved6[0x1000 - 0x678];
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

_Static_assert(offsetof(struct vmcb, control.exit_code) == 0x070, "VMCB");
_Static_assert(offsetof(struct vmcb, control.event_inject) == 0x0a8, "VMCB");
_Static_assert(offsetof(struct vmcb, control.next_rip) == 0x0c8, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb, "VMCB");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4d0, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "VMCB");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "VMCB");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8, "VMCB");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5f8, "VMCB");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "VMCB");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB");
_Static_assert(sizeof(struct vmcb) == 0x1000, "VMCB");

/* intercept_misc1 */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_INIT (1u << 3)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_IRET (1u << 20)
#define SVM_INTERCEPT_INVD (1u << 22)
#define SVM_INTERCEPT_PAUSE (1u << 23)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_INVLPGA (1u << 26)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
/* intercept_misc2 */
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)
#define SVM_INTERCEPT_MONITOR (1u << 10)
#define SVM_INTERCEPT_MWAIT (1u << 11)
#define SVM_INTERCEPT_MWAIT_COND (1u << 12)

/* Exit codes. */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_IRET 0x074
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_PAUSE 0x077
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_MWAIT_COND 0x08c
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID ((u64)-1)

/* vintr */
#define SVM_VINTR_V_IRQ (1ull << 8)
#define SVM_VINTR_IGN_TPR (1ull << 20)
#define SVM_VINTR_MASKING (1ull << 24)
#define SVM_VINTR_PRIO_SHIFT 16
#define SVM_VINTR_VECTOR_SHIFT 32 /* V_INTR_VECTOR, VMCB offset 0x064 */
/* What an interrupt or window request sets (V_INTR_MASKING stays). */
#define SVM_VINTR_REQUEST_BITS (SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR | \
				(0xfull << SVM_VINTR_PRIO_SHIFT) | \
				(0xffull << SVM_VINTR_VECTOR_SHIFT))

/* event_inject and exit_int_info */
#define SVM_EVT_VALID (1ull << 31)
#define SVM_EVT_ERROR_VALID (1ull << 11)
#define SVM_EVT_TYPE_INTR (0ull << 8)
#define SVM_EVT_TYPE_NMI (2ull << 8)
#define SVM_EVT_TYPE_EXCEPTION (3ull << 8)
#define SVM_EVT_TYPE_SOFT (4ull << 8)
#define SVM_EVT_TYPE_MASK (7ull << 8)

/* IOIO exit_info1 */
#define SVM_IOIO_IN (1u << 0)
#define SVM_IOIO_STR (1u << 2)
#define SVM_IOIO_REP (1u << 3)
#define SVM_IOIO_SIZE_SHIFT 4

/* NPF exit_info1 (a page-fault error code) */
#define SVM_NPF_PRESENT (1ull << 0)
#define SVM_NPF_WRITE (1ull << 1)
#define SVM_NPF_FETCH (1ull << 4)

/* Translate the VMCB's exit information into a vendor-neutral record
 * (pure: host unit-tested). */
void svm_translate_exit(const struct vmcb *vmcb, struct vm_exit *exit);

/*
 * The event pure functions of svm_exit.c (host unit-tested).
 *
 * The event whose delivery the exit cut short, from exit_int_info: false
 * when there is none to inject again (none, or an INTn that re-executes).
 */
bool svm_int_info_event(u64 exit_int_info, struct event *e);

/* After an exit: the vector of the interrupt handed over as V_IRQ at this
 * entry to hand over again at the next one, or -1. */
s16 svm_virq_retry(s16 virq_vector, u64 vintr, u64 exit_int_info);

/* The NMI handler's IRET, intercepted (before it runs) and not yet seen
 * to retire. */
struct svm_iret_wait {
	bool armed;
	u64 rip; /* the IRET's address */
};

/* After each exit: true when the IRET awaited has retired by this exit
 * (the guest's NMI blocking is over); on the IRET intercept itself, lets
 * the IRET run and starts waiting. */
bool svm_iret_retired(struct svm_iret_wait *w, struct vmcb *vmcb);

/* Forget the VMCB's events in flight (INIT, VM reboot). */
void svm_vmcb_reset_events(struct vmcb *vmcb);

#endif
