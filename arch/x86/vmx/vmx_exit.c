/* VMCS exit information -> struct vm_exit. Pure: unit-tested on the host
 * (tests/unit/test_vmx_exit.c). Exits the backend handles itself (CR0/CR4
 * writes to bits VMX forces, XSETBV) never come here. */
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmcs.h"

#define MAX_INSN_LEN 15

static void translate_exception_nmi(const struct vmx_exit_info *info,
				    struct vm_exit *exit)
{
	u32 type = info->intr_info & INTR_INFO_TYPE_MASK;

	if (!(info->intr_info & INTR_INFO_VALID)) {
		exit->reason = EXIT_UNKNOWN;
		return;
	}
	if (type == INTR_TYPE_NMI) {
		exit->reason = EXIT_NMI;
		return;
	}
	exit->reason = EXIT_EXCEPTION;
	exit->exception.vector = (u8)(info->intr_info & INTR_INFO_VECTOR_MASK);
	exit->exception.has_error = info->intr_info & INTR_INFO_ERROR_VALID;
	exit->exception.error = exit->exception.has_error ? info->intr_error : 0;
}

static void translate_io(const struct vmx_exit_info *info, struct vm_exit *exit)
{
	u64 q = info->qualification;

	exit->reason = EXIT_IO;
	exit->io.port = (u16)(q >> IO_QUAL_PORT_SHIFT);
	exit->io.size = (u8)((q & IO_QUAL_SIZE_MASK) + 1);
	exit->io.in = q & IO_QUAL_IN;
	exit->io.string = q & IO_QUAL_STRING;
	exit->io.rep = q & IO_QUAL_REP;
}

static void translate_ept_violation(const struct vmx_exit_info *info,
				    struct vm_exit *exit)
{
	u64 q = info->qualification;

	exit->reason = EXIT_GPA_FAULT;
	exit->gpa_fault.gpa = info->gpa;
	exit->gpa_fault.write = q & EPT_QUAL_WRITE;
	exit->gpa_fault.fetch = q & EPT_QUAL_FETCH;
	/* Any of R/W/X in the translation: mapped, so a permission fault. */
	exit->gpa_fault.present = q & EPT_QUAL_PERMS;
}

/* Exits caused by executing an instruction: the exit's instruction
 * length is valid for these (SDM 3C, "Information for VM Exits Due to
 * Instruction Execution"). */
static bool reason_has_insn_len(u32 basic)
{
	switch (basic) {
	case VMX_EXIT_CPUID: case VMX_EXIT_HLT: case VMX_EXIT_VMCALL:
	case VMX_EXIT_IO: case VMX_EXIT_RDMSR: case VMX_EXIT_WRMSR:
	case VMX_EXIT_PAUSE: case VMX_EXIT_MWAIT: case VMX_EXIT_MONITOR:
	case VMX_EXIT_GETSEC: case VMX_EXIT_INVD:
	case VMX_EXIT_VMCLEAR: case VMX_EXIT_VMLAUNCH: case VMX_EXIT_VMPTRLD:
	case VMX_EXIT_VMPTRST: case VMX_EXIT_VMREAD: case VMX_EXIT_VMRESUME:
	case VMX_EXIT_VMWRITE: case VMX_EXIT_VMXOFF: case VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT: case VMX_EXIT_INVVPID: case VMX_EXIT_VMFUNC:
		return true;
	default:
		return false;
	}
}

/*
 * VM entry refuses an NMI inside an STI or MOV SS shadow (the NMI wins, as
 * it would on hardware one instruction later) and under virtual-NMI
 * blocking. That blocking is left set by an NMI whose delivery an exit cut
 * short (SDM 3C, "Event delivery and VM exits"), and by a guest reset in
 * its NMI handler; the NMI going in is the one that blocks.
 */
u32 vmx_interruptibility_for_injection(u32 interruptibility, u32 inject_info)
{
	if ((inject_info & (INTR_INFO_VALID | INTR_INFO_TYPE_MASK)) !=
	    (INTR_INFO_VALID | INTR_TYPE_NMI))
		return interruptibility;
	return interruptibility & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS |
				    INTERRUPTIBILITY_NMI);
}

void vmx_translate_exit(const struct vmx_exit_info *info, struct vm_exit *exit)
{
	u32 basic = info->reason & 0xffff;

	*exit = (struct vm_exit){ 0 };
	exit->raw_code = info->reason;
	exit->raw_info1 = info->qualification;
	exit->raw_info2 = info->intr_info;
	if (reason_has_insn_len(basic) && info->insn_len <= MAX_INSN_LEN)
		exit->insn_len = info->insn_len;

	if (info->reason & VMX_EXIT_REASON_ENTRY_FAIL) {
		exit->reason = EXIT_ENTRY_FAILED;
		return;
	}
	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI:
		translate_exception_nmi(info, exit);
		break;
	case VMX_EXIT_EXTINT:
	case VMX_EXIT_PREEMPTION_TIMER: /* the host's next timer is due */
	case VMX_EXIT_IO_SMI:
	case VMX_EXIT_OTHER_SMI:
		exit->reason = EXIT_INTR;
		break;
	case VMX_EXIT_TRIPLE_FAULT:
		exit->reason = EXIT_TRIPLE_FAULT;
		break;
	case VMX_EXIT_INIT:
		exit->reason = EXIT_INIT;
		break;
	case VMX_EXIT_INTR_WINDOW:
		exit->reason = EXIT_INTR_WINDOW;
		break;
	case VMX_EXIT_NMI_WINDOW:
		/* Virtual-NMI blocking is over: the IRET has retired. */
		exit->reason = EXIT_NMI_WINDOW;
		exit->nmi_unblocked = true;
		break;
	case VMX_EXIT_CPUID:
		exit->reason = EXIT_CPUID;
		break;
	case VMX_EXIT_HLT:
		exit->reason = EXIT_HLT;
		break;
	case VMX_EXIT_INVD: /* always exits; stepped over as under AMD-V */
		exit->reason = EXIT_SKIP;
		break;
	case VMX_EXIT_PAUSE:
		/* Holdfast never sets "PAUSE exiting": this is pause-loop
		 * exiting, PAUSEs PLE_GAP apart for longer than PLE_WINDOW. */
		exit->reason = EXIT_PAUSE;
		exit->pause.loop = true;
		break;
	case VMX_EXIT_VMCALL:
		exit->reason = EXIT_HYPERCALL;
		break;
	case VMX_EXIT_IO:
		translate_io(info, exit);
		break;
	case VMX_EXIT_RDMSR:
		exit->reason = EXIT_MSR_READ;
		break;
	case VMX_EXIT_WRMSR:
		exit->reason = EXIT_MSR_WRITE;
		break;
	case VMX_EXIT_EPT_VIOLATION:
		translate_ept_violation(info, exit);
		break;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_VMCLEAR: case VMX_EXIT_VMLAUNCH: case VMX_EXIT_VMPTRLD:
	case VMX_EXIT_VMPTRST: case VMX_EXIT_VMREAD: case VMX_EXIT_VMRESUME:
	case VMX_EXIT_VMWRITE: case VMX_EXIT_VMXOFF: case VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT: case VMX_EXIT_INVVPID: case VMX_EXIT_VMFUNC:
	case VMX_EXIT_MONITOR: case VMX_EXIT_MWAIT:
		exit->reason = EXIT_BAD_INSN;
		break;
	case VMX_EXIT_BAD_GUEST_STATE:
	case VMX_EXIT_MSR_LOAD_FAIL:
	case VMX_EXIT_MCE_DURING_ENTRY:
		exit->reason = EXIT_ENTRY_FAILED;
		break;
	default:
		/* SIPI (no VMCS is ever put in wait-for-SIPI: guest INIT and
		 * STARTUP are the vLAPIC's), task switch, EPT misconfiguration
		 * (the map is ours)...: stop the VM with a dump. */
		exit->reason = EXIT_UNKNOWN;
		break;
	}
}
