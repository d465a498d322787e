/* The vCPU loop and event delivery: generic, over struct vcpu_ops. */
#include "vm/vcpu.h"
#include "kernel/console.h"
#include "vm/exit.h"
#include "kernel/percpu.h"
#include "vm/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/timer.h"
#include "sched/hv/vsched.h"
#include "vm/console_input.h"
#include "sched/lhp/pv_unhalt.h"

#define RFLAGS_IF_BIT (1u << 9)
#define VEC_NMI 2

void vcpu_kick(struct vcpu *v)
{
	if (vsched_enabled())
		vsched_kick(v);
	else if (v->pcpu != this_cpu()->index)
		lapic_send_ipi(percpu_area[v->pcpu].apic_id, VEC_KICK);
}

void vcpu_raise_interrupt(struct vcpu *v, u8 vector)
{
	vlapic_set_irq(&v->lapic, vector, false); /* kicks through its env */
}

void vcpu_raise_nmi(struct vcpu *v)
{
	__atomic_store_n(&v->nmi_pending, 1, __ATOMIC_SEQ_CST);
	vcpu_request(v, VCPU_REQ_EVENT);
	vcpu_kick(v);
}

void vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	v->exception_pending = true;
	v->exception = (struct event){ EVENT_EXCEPTION, vector, has_error, error };
}

static bool interrupts_deliverable(struct vcpu *v)
{
	return (vcpu_get_reg(v, VREG_RFLAGS) & RFLAGS_IF_BIT) &&
	       !vcpu_in_interrupt_shadow(v);
}

/*
 * Choose what to deliver at this entry, by priority: an event whose
 * delivery the last exit cut short, a queued exception, an NMI, then the
 * vLAPIC's highest deliverable vector. What cannot go in now asks for a
 * window exit instead.
 */
static void vcpu_deliver_events(struct vcpu *v)
{
	struct event e;
	int vector;

	vcpu_want_intr_window(v, false);
	if (vcpu_interrupted_event(v, &e)) {
		vcpu_inject_event(v, &e);
		return;
	}
	if (v->exception_pending) {
		v->exception_pending = false;
		vcpu_inject_event(v, &v->exception);
		return;
	}
	if (v->nmi_pending && !v->nmi_masked) {
		v->nmi_pending = 0;
		v->nmi_masked = true;
		vcpu_want_nmi_window(v, true);
		vcpu_inject_event(v, &(struct event){ EVENT_NMI, VEC_NMI, false, 0 });
		return;
	}
	vector = vlapic_pending_vector(&v->lapic);
	if (vector < 0)
		return;
	if (!interrupts_deliverable(v)) {
		vcpu_want_intr_window(v, true);
		return;
	}
	vlapic_accept(&v->lapic, (u8)vector);
	vcpu_inject_event(v, &(struct event){ EVENT_EXTINT, (u8)vector, false, 0 });
}

static bool vcpu_has_wakeup(struct vcpu *v)
{
	return v->nmi_pending ||
	       (vlapic_pending_vector(&v->lapic) >= 0 &&
		(vcpu_get_reg(v, VREG_RFLAGS) & RFLAGS_IF_BIT));
}

/* Fire the vLAPIC timer if due and let the host timer interrupt this CPU
 * at its next deadline (the guest TSC is the host TSC). */
static void vcpu_poll_timer(struct vcpu *v)
{
	timer_set_guest_deadline(vlapic_timer_poll(&v->lapic, rdtsc()));
}

/* Sleep until a kick or a timer; interrupts are off between the check and
 * HLT, and `sti; hlt` closes the window for a kick arriving in between. */
static void vcpu_sleep(struct vcpu *v)
{
	irq_disable();
	if (!v->requests)
		cpu_idle_wait();
	irq_enable();
}

static void vcpu_handle_requests(struct vcpu *v, u32 req)
{
	if (req & VCPU_REQ_INIT) {
		pv_unpark(v);
		vcpu_enter_wait_for_sipi(v);
	}
	if ((req & VCPU_REQ_SIPI) && v->state == VCPU_WAIT_SIPI)
		vcpu_start_at_sipi(v, v->sipi_vector);
}

static void vcpu_record_exit(struct vcpu *v, enum vm_exit_reason reason)
{
	struct vcpu_exit_record *r = &v->history[v->exits_total++ % VCPU_HISTORY];

	r->rip = vcpu_get_reg(v, VREG_RIP);
	r->tsc = rdtsc();
	r->reason = (u16)reason;
	r->cpu = (u16)this_cpu()->index;
}

enum vcpu_leave vcpu_run(struct vcpu *v)
{
	struct vm_exit exit;
	bool scheduled = vsched_enabled();

	vsched_slice_start(v);
	for (;;) {
		u32 req;

		console_input_process(); /* a no-op but on the boot CPU */
		req = vcpu_take_requests(v);
		if (v->state == VCPU_FINISHED)
			return VCPU_LEAVE_DONE;
		if ((req & VCPU_REQ_STOP) || v->vm->stopping) {
			v->state = VCPU_FINISHED;
			return VCPU_LEAVE_DONE;
		}
		vcpu_handle_requests(v, req);
		vcpu_poll_timer(v);
		if (v->state == VCPU_HALTED && vcpu_has_wakeup(v))
			v->state = VCPU_RUNNABLE;
		pv_unpark_if_woken(v);
		if (v->state == VCPU_WAIT_SIPI || v->state == VCPU_HALTED ||
		    v->state == VCPU_PARKED) {
			if (scheduled)
				return VCPU_LEAVE_BLOCKED;
			vcpu_sleep(v);
			continue;
		}
		if (scheduled && vsched_must_leave(v))
			return VCPU_LEAVE_PREEMPTED;
		vcpu_deliver_events(v);
		vcpu_enter(v, &exit);
		v->exits[exit.reason]++;
		exit_dispatch(v, &exit);
		vcpu_record_exit(v, exit.reason);
	}
}

void vcpu_run_loop(struct vcpu *v)
{
	vcpu_run(v);
	timer_set_guest_deadline(0);
	vm_vcpu_exited(v->vm);
}

/* Oldest first; "ago" in microseconds before this dump. */
static void vcpu_dump_history(struct vcpu *v)
{
	u64 n = MIN(v->exits_total, (u64)VCPU_HISTORY), now = rdtsc();

	for (u64 i = v->exits_total - n; i < v->exits_total; i++) {
		const struct vcpu_exit_record *r = &v->history[i % VCPU_HISTORY];

		pr_err("  exit -%lu: %s, then RIP %lx, on CPU %u, %lu us ago",
		       v->exits_total - i, exit_reason_name(r->reason), r->rip,
		       r->cpu, (now - r->tsc) / (tsc_hz / 1000000));
	}
}

void vcpu_dump(struct vcpu *v)
{
	pr_err("  vcpu %u: RIP %lx RFLAGS %lx CR0 %lx CR2 %lx CR3 %lx CR4 %lx EFER %lx",
	       v->index, vcpu_get_reg(v, VREG_RIP),
	       vcpu_get_reg(v, VREG_RFLAGS), vcpu_get_reg(v, VREG_CR0),
	       vcpu_get_reg(v, VREG_CR2), vcpu_get_reg(v, VREG_CR3),
	       vcpu_get_reg(v, VREG_CR4), vcpu_get_reg(v, VREG_EFER));
	pr_err("  RAX %lx RBX %lx RCX %lx RDX %lx RSI %lx RDI %lx RSP %lx RBP %lx",
	       v->gpr[GPR_RAX], v->gpr[GPR_RBX], v->gpr[GPR_RCX],
	       v->gpr[GPR_RDX], v->gpr[GPR_RSI], v->gpr[GPR_RDI],
	       v->gpr[GPR_RSP], v->gpr[GPR_RBP]);
	vcpu_hw_dump(v);
	vcpu_dump_history(v);
}
