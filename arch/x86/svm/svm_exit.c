/* VMCB exit information -> struct vm_exit, and the event bookkeeping
 * around each exit (interrupted deliveries, V_IRQ retries, the NMI
 * window). Pure: unit-tested on the host (tests/unit/test_svm_exit.c). */
#include "arch/x86/svm/vmcb.h"

/* Exceptions that push an error code (the VMCB gives it in exit_info1). */
static bool exception_has_error(u8 vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17:
	case 21: case 29: case 30:
		return true;
	default:
		return false;
	}
}

static void translate_ioio(const struct vmcb *vmcb, struct vm_exit *exit)
{
	u64 info = vmcb->control.exit_info1;
	u8 size_bits = (info >> SVM_IOIO_SIZE_SHIFT) & 7;

	exit->reason = EXIT_IO;
	exit->io.port = (u16)(info >> 16);
	exit->io.in = info & SVM_IOIO_IN;
	exit->io.string = info & SVM_IOIO_STR;
	exit->io.rep = info & SVM_IOIO_REP;
	exit->io.size = size_bits & 4 ? 4 : size_bits & 2 ? 2 : 1;
	/* exit_info2 holds the next RIP even without NRIP save. */
	exit->insn_len = (u32)(vmcb->control.exit_info2 - vmcb->save.rip);
}

void svm_translate_exit(const struct vmcb *vmcb, struct vm_exit *exit)
{
	const struct vmcb_control *c = &vmcb->control;
	u64 code = c->exit_code;

	*exit = (struct vm_exit){ 0 };
	exit->raw_code = code;
	exit->raw_info1 = c->exit_info1;
	exit->raw_info2 = c->exit_info2;
	/* next_rip is 0 when the CPU lacks NRIP save (the emulated one). */
	if (c->next_rip > vmcb->save.rip && c->next_rip - vmcb->save.rip <= 15)
		exit->insn_len = (u32)(c->next_rip - vmcb->save.rip);

	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
		exit->reason = EXIT_EXCEPTION;
		exit->exception.vector = (u8)(code - SVM_EXIT_EXCP_BASE);
		exit->exception.has_error =
			exception_has_error(exit->exception.vector);
		exit->exception.error = (u32)c->exit_info1;
		return;
	}
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_SMI:
		exit->reason = EXIT_INTR;
		break;
	case SVM_EXIT_NMI:
		exit->reason = EXIT_NMI;
		break;
	case SVM_EXIT_INIT:
		exit->reason = EXIT_INIT;
		break;
	case SVM_EXIT_VINTR:
		exit->reason = EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_IRET:
		exit->reason = EXIT_NMI_WINDOW;
		break;
	case SVM_EXIT_CPUID:
		exit->reason = EXIT_CPUID;
		break;
	case SVM_EXIT_HLT:
		exit->reason = EXIT_HLT;
		break;
	case SVM_EXIT_PAUSE:
		/* With a pause filter count the exit comes after that many
		 * PAUSEs: the hardware already saw the loop. */
		exit->reason = EXIT_PAUSE;
		exit->pause.loop = vmcb->control.pause_filter_count != 0;
		break;
	case SVM_EXIT_INVD:
		exit->reason = EXIT_SKIP;
		break;
	case SVM_EXIT_VMMCALL:
		exit->reason = EXIT_HYPERCALL;
		break;
	case SVM_EXIT_IOIO:
		translate_ioio(vmcb, exit);
		break;
	case SVM_EXIT_MSR:
		exit->reason = c->exit_info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
		break;
	case SVM_EXIT_NPF:
		exit->reason = EXIT_GPA_FAULT;
		exit->gpa_fault.gpa = c->exit_info2;
		exit->gpa_fault.write = c->exit_info1 & SVM_NPF_WRITE;
		exit->gpa_fault.fetch = c->exit_info1 & SVM_NPF_FETCH;
		exit->gpa_fault.present = c->exit_info1 & SVM_NPF_PRESENT;
		break;
	case SVM_EXIT_SHUTDOWN:
		exit->reason = EXIT_TRIPLE_FAULT;
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
		exit->reason = EXIT_BAD_INSN;
		break;
	case SVM_EXIT_INVALID:
		exit->reason = EXIT_ENTRY_FAILED;
		break;
	default:
		exit->reason = EXIT_UNKNOWN;
		break;
	}
}

#define VEC_NMI 2
#define VEC_BP 3
#define VEC_OF 4
#define VEC_FIRST_INTERRUPT 32

/*
 * QEMU records every delivery but an INTn's as an exception, whatever it
 * was: an NMI shows as exception 2 (never a real exception vector) and a
 * V_IRQ as an exception numbered 32 or above. Injected back as an
 * exception, an NMI would run its handler without the NMI blocking its
 * IRET ends.
 */
bool svm_int_info_event(u64 exit_int_info, struct event *e)
{
	u64 type = exit_int_info & SVM_EVT_TYPE_MASK;
	u8 vector = (u8)exit_int_info;

	if (!(exit_int_info & SVM_EVT_VALID))
		return false;
	/* INTn, and INT3/INTO (which hardware types as exceptions), run
	 * again from their RIP: injecting them as well would do them twice. */
	if (type == SVM_EVT_TYPE_SOFT)
		return false;
	if (type == SVM_EVT_TYPE_EXCEPTION && (vector == VEC_BP || vector == VEC_OF))
		return false;
	*e = (struct event){ EVENT_EXTINT, vector, false, 0 };
	if (type == SVM_EVT_TYPE_NMI ||
	    (type == SVM_EVT_TYPE_EXCEPTION && vector == VEC_NMI)) {
		e->type = EVENT_NMI;
		return true;
	}
	if (type == SVM_EVT_TYPE_EXCEPTION && vector < VEC_FIRST_INTERRUPT) {
		e->type = EVENT_EXCEPTION;
		e->has_error = exit_int_info & SVM_EVT_ERROR_VALID;
		e->error = e->has_error ? (u32)(exit_int_info >> 32) : 0;
	}
	return true;
}

/*
 * A V_IRQ still requested at the exit was not taken: it goes in again.
 * But when the guest took it and the exit cut its delivery short, QEMU
 * leaves V_IRQ set and exit_int_info carries the same interrupt: that
 * one is re-injected from exit_int_info, and a retry as well would
 * deliver (and have the guest EOI) it twice.
 */
s16 svm_virq_retry(s16 virq_vector, u64 vintr, u64 exit_int_info)
{
	struct event e;

	if (virq_vector < 0 || !(vintr & SVM_VINTR_V_IRQ))
		return -1;
	if (svm_int_info_event(exit_int_info, &e) && e.type == EVENT_EXTINT &&
	    e.vector == (u8)virq_vector)
		return -1;
	return virq_vector;
}

/*
 * Without vNMI, the NMI window is the IRET intercept, and it fires before
 * the IRET executes (no NRIP save either): NMIs unblocked there would
 * deliver the next NMI at the handler's own IRET, on its stack. So the
 * intercept only notes where the IRET is and lets it run; NMI blocking
 * ends at the first exit with RIP elsewhere (KVM waits the same way). An
 * exit before the IRET ran (a host interrupt, a nested page fault on its
 * stack) leaves RIP where it was.
 */
bool svm_iret_retired(struct svm_iret_wait *w, struct vmcb *vmcb)
{
	if (vmcb->control.exit_code == SVM_EXIT_IRET) {
		vmcb->control.intercept_misc1 &= ~SVM_INTERCEPT_IRET;
		w->armed = true;
		w->rip = vmcb->save.rip;
		return false;
	}
	if (!w->armed || vmcb->save.rip == w->rip)
		return false;
	w->armed = false;
	return true;
}

/* A reset CPU has no event in flight: nothing to inject, no record of a
 * delivery cut short, no V_IRQ or window request, no IRET intercept or
 * interrupt shadow left from the last run. */
void svm_vmcb_reset_events(struct vmcb *vmcb)
{
	struct vmcb_control *c = &vmcb->control;

	c->event_inject = 0;
	c->exit_int_info = 0;
	c->vintr &= ~SVM_VINTR_REQUEST_BITS;
	c->intercept_misc1 &= ~(SVM_INTERCEPT_VINTR | SVM_INTERCEPT_IRET);
	c->interrupt_shadow = 0;
}
