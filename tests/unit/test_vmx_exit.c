/* Unit tests for arch/x86/vmx/vmx_exit.c and vmx_error.c: VMCS exit
 * information becomes the same vendor-neutral exit records as under AMD-V;
 * segment attributes convert both ways; VM-instruction errors have names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmcs.h"

static struct vm_exit translate(u32 reason, u64 qual, u32 intr_info,
				u32 intr_error, u32 insn_len, u64 gpa)
{
	struct vmx_exit_info info = { reason, qual, intr_info, intr_error,
				      insn_len, gpa };
	struct vm_exit e;

	memset(&e, 0xa5, sizeof(e)); /* every field must be written */
	vmx_translate_exit(&info, &e);
	return e;
}

static void test_simple_reasons(void **state)
{
	static const struct { u32 reason; enum vm_exit_reason want; } cases[] = {
		{ VMX_EXIT_EXTINT, EXIT_INTR }, { VMX_EXIT_OTHER_SMI, EXIT_INTR },
		{ VMX_EXIT_PREEMPTION_TIMER, EXIT_INTR },
		{ VMX_EXIT_INIT, EXIT_INIT }, { VMX_EXIT_TRIPLE_FAULT, EXIT_TRIPLE_FAULT },
		{ VMX_EXIT_INTR_WINDOW, EXIT_INTR_WINDOW },
		{ VMX_EXIT_NMI_WINDOW, EXIT_NMI_WINDOW },
		{ VMX_EXIT_CPUID, EXIT_CPUID }, { VMX_EXIT_HLT, EXIT_HLT },
		{ VMX_EXIT_PAUSE, EXIT_PAUSE }, { VMX_EXIT_VMCALL, EXIT_HYPERCALL },
		{ VMX_EXIT_RDMSR, EXIT_MSR_READ }, { VMX_EXIT_WRMSR, EXIT_MSR_WRITE },
		{ VMX_EXIT_VMXON, EXIT_BAD_INSN }, { VMX_EXIT_VMLAUNCH, EXIT_BAD_INSN },
		{ VMX_EXIT_VMREAD, EXIT_BAD_INSN }, { VMX_EXIT_INVEPT, EXIT_BAD_INSN },
		{ VMX_EXIT_GETSEC, EXIT_BAD_INSN }, { VMX_EXIT_MONITOR, EXIT_BAD_INSN },
		{ VMX_EXIT_MWAIT, EXIT_BAD_INSN }, { VMX_EXIT_VMFUNC, EXIT_BAD_INSN },
		{ VMX_EXIT_INVD, EXIT_SKIP }, { VMX_EXIT_SIPI, EXIT_UNKNOWN }, { VMX_EXIT_TASK_SWITCH, EXIT_UNKNOWN },
		{ VMX_EXIT_EPT_MISCONFIG, EXIT_UNKNOWN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vm_exit e = translate(cases[i].reason, 0, 0, 0, 2, 0);

		assert_int_equal(e.reason, cases[i].want);
		assert_true(e.raw_code == cases[i].reason);
		/* Only the NMI window ends NMI blocking. */
		assert_int_equal(e.nmi_unblocked,
				 cases[i].reason == VMX_EXIT_NMI_WINDOW);
	}
}

static void test_insn_len_only_for_instruction_exits(void **state)
{
	(void)state;
	assert_int_equal(translate(VMX_EXIT_CPUID, 0, 0, 0, 2, 0).insn_len, 2);
	assert_int_equal(translate(VMX_EXIT_VMCALL, 0, 0, 0, 3, 0).insn_len, 3);
	assert_int_equal(translate(VMX_EXIT_HLT, 0, 0, 0, 1, 0).insn_len, 1);
	assert_int_equal(translate(VMX_EXIT_INVD, 0, 0, 0, 2, 0).insn_len, 2);
	/* Pause-loop exiting: the hardware saw the spin. */
	assert_true(translate(VMX_EXIT_PAUSE, 0, 0, 0, 2, 0).pause.loop);
	/* Undefined for interrupts and EPT violations: generic code decodes. */
	assert_int_equal(translate(VMX_EXIT_EXTINT, 0, 0, 0, 7, 0).insn_len, 0);
	assert_int_equal(translate(VMX_EXIT_EPT_VIOLATION, 0, 0, 0, 7, 0).insn_len, 0);
	/* An impossible length is not believed. */
	assert_int_equal(translate(VMX_EXIT_CPUID, 0, 0, 0, 16, 0).insn_len, 0);
}

static void test_io_qualification(void **state)
{
	(void)state;
	/* OUT DX, AL to 0x3f8 */
	struct vm_exit e = translate(VMX_EXIT_IO, 0x3f80000ull | 0, 0, 0, 1, 0);

	assert_int_equal(e.reason, EXIT_IO);
	assert_int_equal(e.io.port, 0x3f8);
	assert_int_equal(e.io.size, 1);
	assert_false(e.io.in);
	assert_false(e.io.string);
	assert_false(e.io.rep);
	assert_int_equal(e.insn_len, 1);
	/* REP INSD from 0xcfc: size 4, in, string, rep */
	e = translate(VMX_EXIT_IO, (0xcfcull << 16) | 3 | IO_QUAL_IN |
		      IO_QUAL_STRING | IO_QUAL_REP, 0, 0, 2, 0);
	assert_int_equal(e.io.port, 0xcfc);
	assert_int_equal(e.io.size, 4);
	assert_true(e.io.in && e.io.string && e.io.rep);
	/* IN AX, imm8 */
	e = translate(VMX_EXIT_IO, (0x71ull << 16) | 1 | IO_QUAL_IN | (1u << 6),
		      0, 0, 3, 0);
	assert_int_equal(e.io.size, 2);
	assert_int_equal(e.io.port, 0x71);
	assert_int_equal(e.insn_len, 3);
}

static void test_ept_violation(void **state)
{
	(void)state;
	/* A write to unmapped MMIO: nothing present. */
	struct vm_exit e = translate(VMX_EXIT_EPT_VIOLATION, EPT_QUAL_WRITE, 0,
				     0, 0, 0xfee00300ull);

	assert_int_equal(e.reason, EXIT_GPA_FAULT);
	assert_true(e.gpa_fault.gpa == 0xfee00300ull);
	assert_true(e.gpa_fault.write);
	assert_false(e.gpa_fault.fetch);
	assert_false(e.gpa_fault.present);
	/* A fetch from a mapped page without X: a permission fault. */
	e = translate(VMX_EXIT_EPT_VIOLATION, EPT_QUAL_FETCH | (3u << 3), 0, 0,
		      0, 0x123456000ull);
	assert_true(e.gpa_fault.fetch);
	assert_false(e.gpa_fault.write);
	assert_true(e.gpa_fault.present);
	assert_true(e.gpa_fault.gpa == 0x123456000ull);
	/* A read: neither write nor fetch. */
	e = translate(VMX_EXIT_EPT_VIOLATION, EPT_QUAL_READ, 0, 0, 0, 0xfec00000ull);
	assert_false(e.gpa_fault.write || e.gpa_fault.fetch || e.gpa_fault.present);
}

static void test_exceptions_and_nmi(void **state)
{
	(void)state;
	/* #UD (hardware exception, no error code): VMMCALL lands here. */
	struct vm_exit e = translate(VMX_EXIT_EXCEPTION_NMI, 0,
				     INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | 6,
				     0xdead, 3, 0);

	assert_int_equal(e.reason, EXIT_EXCEPTION);
	assert_int_equal(e.exception.vector, 6);
	assert_false(e.exception.has_error);
	assert_int_equal(e.exception.error, 0);
	assert_int_equal(e.insn_len, 0);
	/* #AC with its error code. */
	e = translate(VMX_EXIT_EXCEPTION_NMI, 0, INTR_INFO_VALID |
		      INTR_TYPE_HW_EXCEPTION | INTR_INFO_ERROR_VALID | 17, 0, 0, 0);
	assert_int_equal(e.exception.vector, 17);
	assert_true(e.exception.has_error);
	assert_int_equal(e.exception.error, 0);
	e = translate(VMX_EXIT_EXCEPTION_NMI, 0, INTR_INFO_VALID |
		      INTR_TYPE_HW_EXCEPTION | INTR_INFO_ERROR_VALID | 13, 0x18, 0, 0);
	assert_int_equal(e.exception.error, 0x18);
	/* #DB raised by INT1 is a software exception, still an exception. */
	e = translate(VMX_EXIT_EXCEPTION_NMI, 0, INTR_INFO_VALID |
		      INTR_TYPE_PRIV_SOFT_EXCEPTION | 1, 0, 1, 0);
	assert_int_equal(e.reason, EXIT_EXCEPTION);
	assert_int_equal(e.exception.vector, 1);
	/* A host NMI. */
	e = translate(VMX_EXIT_EXCEPTION_NMI, 0, INTR_INFO_VALID | INTR_TYPE_NMI | 2,
		      0, 0, 0);
	assert_int_equal(e.reason, EXIT_NMI);
	/* No valid interruption information: nothing to trust. */
	e = translate(VMX_EXIT_EXCEPTION_NMI, 0, 6, 0, 0, 0);
	assert_int_equal(e.reason, EXIT_UNKNOWN);
}

static void test_entry_failures(void **state)
{
	(void)state;
	struct vm_exit e = translate(VMX_EXIT_REASON_ENTRY_FAIL |
				     VMX_EXIT_BAD_GUEST_STATE, 0, 0, 0, 0, 0);

	assert_int_equal(e.reason, EXIT_ENTRY_FAILED);
	assert_true(e.raw_code == (VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_BAD_GUEST_STATE));
	e = translate(VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_MSR_LOAD_FAIL, 3, 0, 0, 0, 0);
	assert_int_equal(e.reason, EXIT_ENTRY_FAILED);
	assert_true(e.raw_info1 == 3);
	/* The failure bit wins over whatever basic reason comes with it. */
	e = translate(VMX_EXIT_REASON_ENTRY_FAIL | VMX_EXIT_CPUID, 0, 0, 0, 2, 0);
	assert_int_equal(e.reason, EXIT_ENTRY_FAILED);
}

static void test_segment_attributes(void **state)
{
	static const u16 present[] = { 0x9b, 0x93, 0xa9b, 0xc93, 0x8b, 0x82,
				       0xcf3, 0x2fb };

	(void)state;
	/* 64-bit code: L at bit 13, G at 15 in VMX form. */
	assert_int_equal(vmx_ar_from_attrib(0xa9b), 0xa09b);
	assert_int_equal(vmx_ar_from_attrib(0xc93), 0xc093);
	assert_int_equal(vmx_attrib_from_ar(0xa09b), 0xa9b);
	for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
		assert_false(vmx_ar_from_attrib(present[i]) & VMX_AR_UNUSABLE);
		assert_int_equal(vmx_attrib_from_ar(vmx_ar_from_attrib(present[i])),
				 present[i]);
	}
	/* Not present: unusable; the DPL (the CPL, for SS) survives. */
	assert_true(vmx_ar_from_attrib(0) & VMX_AR_UNUSABLE);
	assert_int_equal(vmx_attrib_from_ar(VMX_AR_UNUSABLE | 0x60 | 0x93) >> 5 & 3, 3);
	assert_false(vmx_attrib_from_ar(VMX_AR_UNUSABLE | 0x93) & 0x80);
	assert_true(vmx_ar_from_attrib(vmx_attrib_from_ar(VMX_AR_UNUSABLE | 0x93)) &
		    VMX_AR_UNUSABLE);
}

static void test_insn_error_names(void **state)
{
	(void)state;
	assert_string_equal(vmx_insn_error_name(7),
			    "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(5),
			    "VMRESUME with non-launched VMCS");
	assert_string_equal(vmx_insn_error_name(14), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(0), "unknown VM-instruction error");
	assert_string_equal(vmx_insn_error_name(1000), "unknown VM-instruction error");
}

/* Injecting an NMI: VM entry refuses it under virtual-NMI blocking, which
 * an NMI cut short in delivery leaves set (and so does a guest reset in its
 * NMI handler), and inside an STI or MOV SS shadow. */
static void test_interruptibility_for_injection(void **state)
{
	const u32 nmi = INTR_INFO_VALID | INTR_TYPE_NMI | 2;
	const u32 all = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS |
			INTERRUPTIBILITY_NMI;

	(void)state;
	assert_int_equal(vmx_interruptibility_for_injection(INTERRUPTIBILITY_NMI, nmi), 0);
	assert_int_equal(vmx_interruptibility_for_injection(all, nmi), 0);
	assert_int_equal(vmx_interruptibility_for_injection(INTERRUPTIBILITY_STI, nmi), 0);
	/* Other events, or none, leave the state alone. */
	assert_int_equal(vmx_interruptibility_for_injection(all,
			 INTR_INFO_VALID | INTR_TYPE_EXTINT | 0x30), all);
	assert_int_equal(vmx_interruptibility_for_injection(all,
			 INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | 2), all);
	assert_int_equal(vmx_interruptibility_for_injection(all, INTR_TYPE_NMI | 2), all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_reasons),
		cmocka_unit_test(test_insn_len_only_for_instruction_exits),
		cmocka_unit_test(test_io_qualification),
		cmocka_unit_test(test_ept_violation),
		cmocka_unit_test(test_exceptions_and_nmi),
		cmocka_unit_test(test_entry_failures),
		cmocka_unit_test(test_segment_attributes),
		cmocka_unit_test(test_insn_error_names),
		cmocka_unit_test(test_interruptibility_for_injection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
