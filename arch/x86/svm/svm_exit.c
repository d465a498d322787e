/* VMCB exit information -> struct vm_exit. Pure: unit-tested on the host. */
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
