/* The exit table: every vendor-neutral exit reason has exactly one handler
 * here or in the exit_*.c file it names. */
#include "vm/exit.h"
#include "vm/fault_dump.h"
#include "sched/lhp/pv_unhalt.h"
#include "sched/lhp/spin_detect.h"
#include "kernel/console.h"
#include "vm/vm.h"
#include "paravirt/hypercall.h"

#define RFLAGS_IF_BIT (1u << 9)
#define VEC_DB 1
#define VEC_UD 6
#define VEC_AC 17
#define VEC_MC 18

typedef void (*exit_handler_fn)(struct vcpu *v, const struct vm_exit *exit);

static const char *const reason_names[EXIT_REASON_COUNT] = {
	[EXIT_INTR] = "intr", [EXIT_NMI] = "nmi", [EXIT_INIT] = "init",
	[EXIT_INTR_WINDOW] = "intr_window", [EXIT_NMI_WINDOW] = "nmi_window",
	[EXIT_CPUID] = "cpuid", [EXIT_MSR_READ] = "rdmsr",
	[EXIT_MSR_WRITE] = "wrmsr", [EXIT_IO] = "io", [EXIT_HLT] = "hlt",
	[EXIT_PAUSE] = "pause", [EXIT_HYPERCALL] = "hypercall",
	[EXIT_GPA_FAULT] = "npf", [EXIT_EXCEPTION] = "exception",
	[EXIT_BAD_INSN] = "bad_insn", [EXIT_TRIPLE_FAULT] = "triple_fault",
	[EXIT_ENTRY_FAILED] = "entry_failed", [EXIT_SKIP] = "skip",
	[EXIT_HANDLED] = "handled",
	[EXIT_UNKNOWN] = "unknown",
};

const char *exit_reason_name(enum vm_exit_reason reason)
{
	return reason < EXIT_REASON_COUNT ? reason_names[reason] : "?";
}

bool exit_skip_insn(struct vcpu *v, const struct vm_exit *exit)
{
	u32 len = exit->insn_len;

	if (!len) {
		struct insn in;

		if (!vcpu_decode_insn(v, &in))
			return false;
		len = in.length;
	}
	vcpu_set_reg(v, VREG_RIP, vcpu_get_reg(v, VREG_RIP) + len);
	return true;
}

static void exit_nothing(struct vcpu *v, const struct vm_exit *exit)
{
	/* Host interrupts and NMIs were taken by the host on the way out;
	 * interrupt windows are used by the next event delivery; NMI
	 * windows are told by nmi_unblocked; the backend finished what it
	 * handled. */
	(void)v;
	(void)exit;
}

static void exit_init_signal(struct vcpu *v, const struct vm_exit *exit)
{
	(void)exit;
	pr_warn("holdfast: warning: vm %s vcpu %u: host INIT signal ignored",
		v->vm->name, v->index);
}

/* The NMI window is not an exit of its own: AMD-V sees the handler's IRET
 * before it runs and learns that it retired only at a later exit, of any
 * reason. The backend says so in nmi_unblocked. */
static void exit_nmi_unblocked(struct vcpu *v)
{
	v->nmi_masked = false;
	vcpu_want_nmi_window(v, false);
}

static void exit_hlt(struct vcpu *v, const struct vm_exit *exit)
{
	if (!exit_skip_insn(v, exit))
		return;
	/* With interrupts off only an NMI could wake it: the vCPU has
	 * finished its work, unless the VM has PV_UNHALT, where a KICK_CPU
	 * hypercall wakes it too (Linux's PV spinlock waiters). */
	if (vcpu_get_reg(v, VREG_RFLAGS) & RFLAGS_IF_BIT)
		v->state = VCPU_HALTED;
	else if (v->vm->cfg->lhp & LHP_KVMPV)
		pv_park(v);
	else if (!v->nmi_pending)
		v->state = VCPU_FINISHED;
}

static void exit_skip(struct vcpu *v, const struct vm_exit *exit)
{
	exit_skip_insn(v, exit);
}

static void exit_pause(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit_skip_insn(v, exit))
		spin_detect_pause(v, exit->pause.loop);
}

static void exit_hypercall(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit_skip_insn(v, exit))
		hypercall_handle(v);
}

static void exit_bad_insn(struct vcpu *v, const struct vm_exit *exit)
{
	(void)exit;
	vcpu_queue_exception(v, VEC_UD, false, 0);
}

/* VMCALL on AMD (and VMMCALL on Intel) raise #UD: both are hypercalls. */
static bool ud_is_hypercall(struct vcpu *v)
{
	struct insn in;

	if (!vcpu_try_decode_insn(v, &in))
		return false;
	if (in.kind != INSN_VMCALL && in.kind != INSN_VMMCALL)
		return false;
	vcpu_set_reg(v, VREG_RIP, vcpu_get_reg(v, VREG_RIP) + in.length);
	hypercall_handle(v);
	return true;
}

static void exit_exception(struct vcpu *v, const struct vm_exit *exit)
{
	u8 vector = exit->exception.vector;

	switch (vector) {
	case VEC_UD:
		if (v->vm->stopping || ud_is_hypercall(v))
			return;
		break;
	case VEC_MC:
		vm_stop(v->vm, "machine check while vcpu %u ran", v->index);
		return;
	case VEC_DB:
	case VEC_AC:
		break;
	default:
		vm_stop(v->vm, "unexpected exception %u intercepted on vcpu %u",
			vector, v->index);
		return;
	}
	vcpu_queue_exception(v, vector, exit->exception.has_error,
			     exit->exception.error);
}

static void exit_triple_fault(struct vcpu *v, const struct vm_exit *exit)
{
	(void)exit;
	/* Where it died: the state after the failed delivery. */
	pr_err("holdfast: vm %s vcpu %u: triple fault", v->vm->name, v->index);
	vcpu_dump(v);
	vcpu_dump_guest_walks(v);
	vm_stop(v->vm, "triple fault on vcpu %u", v->index);
}

static void exit_fatal(struct vcpu *v, const struct vm_exit *exit)
{
	pr_err("holdfast: vm %s vcpu %u: %s exit (code %lx, info %lx %lx)",
	       v->vm->name, v->index, exit_reason_name(exit->reason),
	       exit->raw_code, exit->raw_info1, exit->raw_info2);
	vcpu_dump(v);
	vm_stop(v->vm, "hypervisor-detected violation: %s exit on vcpu %u",
		exit->reason == EXIT_ENTRY_FAILED ? "invalid guest state at entry" :
		"unexpected", v->index);
}

static const exit_handler_fn exit_handlers[EXIT_REASON_COUNT] = {
	[EXIT_INTR] = exit_nothing,
	[EXIT_NMI] = exit_nothing,
	[EXIT_INIT] = exit_init_signal,
	[EXIT_INTR_WINDOW] = exit_nothing,
	[EXIT_NMI_WINDOW] = exit_nothing, /* see exit_nmi_unblocked */
	[EXIT_CPUID] = exit_handle_cpuid,
	[EXIT_MSR_READ] = exit_handle_msr,
	[EXIT_MSR_WRITE] = exit_handle_msr,
	[EXIT_IO] = exit_handle_io,
	[EXIT_HLT] = exit_hlt,
	[EXIT_PAUSE] = exit_pause,
	[EXIT_HYPERCALL] = exit_hypercall,
	[EXIT_GPA_FAULT] = exit_handle_gpa_fault,
	[EXIT_EXCEPTION] = exit_exception,
	[EXIT_BAD_INSN] = exit_bad_insn,
	[EXIT_TRIPLE_FAULT] = exit_triple_fault,
	[EXIT_ENTRY_FAILED] = exit_fatal,
	[EXIT_SKIP] = exit_skip,
	[EXIT_HANDLED] = exit_nothing,
	[EXIT_UNKNOWN] = exit_fatal,
};

void exit_dispatch(struct vcpu *v, const struct vm_exit *exit)
{
	if (exit->nmi_unblocked)
		exit_nmi_unblocked(v);
	exit_handlers[exit->reason](v, exit);
}
