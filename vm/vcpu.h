/* Virtual CPUs: generic state, shared by every backend. */
#ifndef HOLDFAST_VCPU_H
#define HOLDFAST_VCPU_H

#include "lib/types.h"
#include "arch/x86/virt.h"
#include "vdev/vlapic.h"
#include "sched/sched.h"
#include "sched/lhp/lhp_decide.h"
#include "sched/lhp/spin_decide.h"
#include "arch/x86/guest_state.h"

/* gpr[] indices, in x86 encoding order. */
enum { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI,
       GPR_RDI, GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13,
       GPR_R14, GPR_R15 };

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,   /* HLT with interrupts on: waits for an interrupt */
	VCPU_FINISHED, /* HLT with interrupts off, or its VM stopped */
	VCPU_WAIT_SIPI, /* an AP after INIT: waits for a STARTUP IPI */
	VCPU_PARKED,   /* HLT with interrupts off where the VM has PV_UNHALT:
			* waits for a KICK_CPU hypercall (or NMI, INIT) */
};

/* Lock-holder-preemption counters of one vCPU (lhp= line, keys in
 * README.md). */
struct vcpu_lhp_counters {
	u64 kicks;           /* KICK_CPU hypercalls it made */
	u64 kicked;          /* times a kick woke it from PARKED */
	u64 parks;           /* HLT with interrupts off (PV_UNHALT waits) */
	u64 pv_yields;       /* SCHED_YIELD hypercalls it made */
	u64 directed_yields; /* ...that gave its CPU to a preempted sibling */
	u64 preempted_marks; /* descheduled with the steal-time record's
			      * preempted flag set */
	u64 lhp_preemptions; /* descheduled while its registered
			      * hf_preempt_block showed lock_depth > 0 */
	u64 extensions;      /* delayed preemptions granted */
	u64 voluntary_yields; /* HF_HC_PREEMPT_YIELD after an extension */
	u64 forced;          /* preempted at the end of an extension, still
			      * at depth > 0 (the overrun) */
	u64 spins;           /* spin loops the pause filter detected */
	u64 spin_yields;     /* ...that yielded to a preempted sibling */
	u64 safepoint_deferrals; /* preemptions put off: due in kernel mode */
	u64 safepoint_overruns;  /* ...still in kernel mode at the bound */
};

#define VCPU_HISTORY 8

/* Request bits: any CPU sets them (atomically) and kicks the owner, which
 * handles them before its next guest entry. */
#define VCPU_REQ_STOP (1u << 0)  /* the VM is stopping */
#define VCPU_REQ_EVENT (1u << 1) /* an interrupt or NMI became pending */
#define VCPU_REQ_INIT (1u << 2)  /* an INIT IPI arrived */
#define VCPU_REQ_SIPI (1u << 3)  /* a STARTUP IPI arrived (sipi_vector) */

struct vm;

struct vcpu {
	struct vm *vm;
	u32 index; /* within its VM; also its APIC ID */
	u32 pcpu;  /* the physical CPU that runs it */
	void *arch; /* the backend's hardware state, owned by the backend */

	/* Owned by the CPU running this vCPU. */
	u64 gpr[16];
	enum vcpu_state state;
	bool nmi_masked; /* an injected NMI's IRET has not retired yet */
	bool exception_pending;
	struct event exception;
	u64 exits[EXIT_REASON_COUNT];
	u64 exits_total;
	/* The last VCPU_HISTORY exits (a ring at exits_total), for dumps:
	 * what the vCPU did, where, and on which CPU, before it died. */
	struct vcpu_exit_record {
		u64 rip;  /* after the exit was handled */
		u64 tsc;
		u16 reason;
		u16 cpu;
	} history[VCPU_HISTORY];

	u64 kvmclock_gpa; /* the guest's pvclock area, 0 = none */
	u64 steal_msr;    /* MSR_KVM_STEAL_TIME as written */
	void *steal_record; /* its record in guest memory, NULL = none */
	u32 kick_pending; /* a KICK_CPU not consumed yet (atomic) */
	void *preempt_block; /* its struct hf_preempt_block, NULL = none */
	struct lhp_state lhp_state; /* deferrals (sched/lhp/lhp_decide.h) */
	bool preempted_in_kernel; /* CPL 0 when last preempted */
	struct spin_filter pause_filter; /* software pause filter (lhp=spin) */
	struct vcpu_lhp_counters lhp;

	/* The virtual LAPIC: locked internally, reached from any CPU. */
	struct vlapic lapic;

	/* With the scheduler (sched=credit): its view of this vCPU (owned
	 * by the pCPU whose run queue holds it, under that queue's lock;
	 * sched/README.md), the register state saved while it is off a
	 * CPU, and its vLAPIC timer while it is blocked. */
	struct sched_vcpu sv;
	struct guest_xstate xs;
	u64 sleep_deadline_tsc;
	/* 1 + the CPU inside vcpu_run() for it, 0 when none: two CPUs must
	 * never run one vCPU (checked, see vsched_cpu_loop). */
	u32 running_on;
	u64 ran_on[4];  /* CPUs it has run on, bit per CPU (for pin= checks) */

	/* Shared: written by any CPU with atomics. */
	volatile u32 requests;
	volatile u32 nmi_pending;
	volatile u8 sipi_vector;
};

static inline void vcpu_request(struct vcpu *v, u32 req)
{
	__atomic_or_fetch(&v->requests, req, __ATOMIC_SEQ_CST);
}

static inline u32 vcpu_take_requests(struct vcpu *v)
{
	return __atomic_exchange_n(&v->requests, 0, __ATOMIC_SEQ_CST);
}

/* Make @vector pending on @v's vLAPIC and wake it (from any CPU). */
void vcpu_raise_interrupt(struct vcpu *v, u8 vector);
void vcpu_raise_nmi(struct vcpu *v);
/* Interrupt the CPU running @v so it looks at its requests. */
void vcpu_kick(struct vcpu *v);

/* Queue an exception for the guest (from the owning CPU). */
void vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error,
			  u32 error);

/* Why vcpu_run() gave the CPU back. */
enum vcpu_leave {
	VCPU_LEAVE_DONE,      /* finished, or its VM is stopping */
	VCPU_LEAVE_BLOCKED,   /* halted or waiting for SIPI (scheduler only) */
	VCPU_LEAVE_PREEMPTED, /* this CPU must reschedule (scheduler only) */
};

/* Run @v on this CPU. Without the scheduler it only returns DONE (a halted
 * vCPU sleeps in place); with it, a halted vCPU or a reschedule request
 * hands the CPU back. */
enum vcpu_leave vcpu_run(struct vcpu *v);

/* One vCPU per CPU: run @v until it finishes or its VM stops. */
void vcpu_run_loop(struct vcpu *v);

/* Architectural INIT state (real mode, paging off); @v then waits for a
 * STARTUP IPI. Owning CPU only. */
void vcpu_enter_wait_for_sipi(struct vcpu *v);
/* Forget everything the guest set up or left pending beyond the
 * architectural registers: pending events, kvmclock, steal time, kicks,
 * the preemption block and deferrals, the pause filter. At INIT and when
 * the VM (re)boots: the one place it is done. */
void vcpu_reset_paravirt(struct vcpu *v);
/* Real mode at @vector << 12, as a STARTUP IPI leaves an AP. */
void vcpu_start_at_sipi(struct vcpu *v, u8 vector);

/* 64-bit mode on flat segments of a GDT the caller built in guest memory,
 * paging on (@cr3), interrupts off, GPRs zero: how direct-boot entry
 * points (Linux's startup_64, ELF test guests) begin. */
struct long_mode_entry {
	u16 code_sel, data_sel;
	u64 gdt_base;
	u16 gdt_limit;
	u64 cr3, cr4, rip;
};
void vcpu_enter_long_mode(struct vcpu *v, const struct long_mode_entry *e);

/* Print the vCPU's registers and the backend's view (for VM stops). */
void vcpu_dump(struct vcpu *v);

#endif
