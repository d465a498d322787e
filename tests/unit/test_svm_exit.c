/* Unit tests for arch/x86/svm/svm_exit.c: VMCB exit information becomes
 * the right vendor-neutral exit record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/svm/vmcb.h"

static struct vmcb vmcb;

static struct vm_exit translate(u64 code, u64 info1, u64 info2)
{
	struct vm_exit e;

	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.control.exit_code = code;
	vmcb.control.exit_info1 = info1;
	vmcb.control.exit_info2 = info2;
	vmcb.save.rip = 0x1000;
	svm_translate_exit(&vmcb, &e);
	return e;
}

static void test_simple_reasons(void **state)
{
	static const struct { u64 code; enum vm_exit_reason reason; } cases[] = {
		{ SVM_EXIT_INTR, EXIT_INTR }, { SVM_EXIT_NMI, EXIT_NMI },
		{ SVM_EXIT_INIT, EXIT_INIT }, { SVM_EXIT_VINTR, EXIT_INTR_WINDOW },
		{ SVM_EXIT_IRET, EXIT_NMI_WINDOW }, { SVM_EXIT_CPUID, EXIT_CPUID },
		{ SVM_EXIT_HLT, EXIT_HLT }, { SVM_EXIT_PAUSE, EXIT_PAUSE },
		{ SVM_EXIT_INVD, EXIT_SKIP },
		{ SVM_EXIT_VMMCALL, EXIT_HYPERCALL },
		{ SVM_EXIT_SHUTDOWN, EXIT_TRIPLE_FAULT },
		{ SVM_EXIT_VMRUN, EXIT_BAD_INSN }, { SVM_EXIT_VMLOAD, EXIT_BAD_INSN },
		{ SVM_EXIT_VMSAVE, EXIT_BAD_INSN }, { SVM_EXIT_STGI, EXIT_BAD_INSN },
		{ SVM_EXIT_CLGI, EXIT_BAD_INSN }, { SVM_EXIT_SKINIT, EXIT_BAD_INSN },
		{ SVM_EXIT_INVLPGA, EXIT_BAD_INSN }, { SVM_EXIT_MONITOR, EXIT_BAD_INSN },
		{ SVM_EXIT_MWAIT, EXIT_BAD_INSN }, { SVM_EXIT_INVALID, EXIT_ENTRY_FAILED },
		{ 0x7d /* task switch: not intercepted */, EXIT_UNKNOWN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vm_exit e = translate(cases[i].code, 0, 0);

		assert_int_equal(e.reason, cases[i].reason);
		assert_true(e.raw_code == cases[i].code);
		assert_int_equal(e.insn_len, 0); /* no NRIP save */
	}
}

static void test_msr_direction(void **state)
{
	(void)state;
	assert_int_equal(translate(SVM_EXIT_MSR, 0, 0).reason, EXIT_MSR_READ);
	assert_int_equal(translate(SVM_EXIT_MSR, 1, 0).reason, EXIT_MSR_WRITE);
}

static void test_ioio_fields_and_length_from_next_rip(void **state)
{
	/* in %dx,%al on port 0x3f8: IN, 8-bit; exit_info2 = next RIP */
	struct vm_exit e = translate(SVM_EXIT_IOIO,
				     (0x3f8ull << 16) | (1 << 4) | 1, 0x1001);

	(void)state;
	assert_int_equal(e.reason, EXIT_IO);
	assert_int_equal(e.io.port, 0x3f8);
	assert_int_equal(e.io.size, 1);
	assert_true(e.io.in);
	assert_false(e.io.string);
	assert_int_equal(e.insn_len, 1);

	/* rep outsl to port 0xe9: 32-bit, string, rep; 2 bytes (f3 6f) */
	e = translate(SVM_EXIT_IOIO,
		      (0xe9ull << 16) | (1 << 6) | SVM_IOIO_STR | SVM_IOIO_REP,
		      0x1002);
	assert_int_equal(e.io.port, 0xe9);
	assert_int_equal(e.io.size, 4);
	assert_false(e.io.in);
	assert_true(e.io.string);
	assert_true(e.io.rep);
	assert_int_equal(e.insn_len, 2);

	e = translate(SVM_EXIT_IOIO, (0x80ull << 16) | (1 << 5), 0x1002);
	assert_int_equal(e.io.size, 2);
}

static void test_npf(void **state)
{
	struct vm_exit e = translate(SVM_EXIT_NPF, SVM_NPF_WRITE, 0xfee00300);

	(void)state;
	assert_int_equal(e.reason, EXIT_GPA_FAULT);
	assert_true(e.gpa_fault.gpa == 0xfee00300);
	assert_true(e.gpa_fault.write);
	assert_false(e.gpa_fault.fetch);
	assert_false(e.gpa_fault.present);
	e = translate(SVM_EXIT_NPF, SVM_NPF_FETCH | SVM_NPF_PRESENT, 0x5000);
	assert_true(e.gpa_fault.fetch);
	assert_true(e.gpa_fault.present);
	assert_false(e.gpa_fault.write);
}

static void test_exceptions(void **state)
{
	struct vm_exit e = translate(SVM_EXIT_EXCP_BASE + 13, 0x18, 0);

	(void)state;
	assert_int_equal(e.reason, EXIT_EXCEPTION);
	assert_int_equal(e.exception.vector, 13);
	assert_true(e.exception.has_error);
	assert_int_equal(e.exception.error, 0x18);
	e = translate(SVM_EXIT_EXCP_BASE + 6, 0, 0);
	assert_int_equal(e.exception.vector, 6);
	assert_false(e.exception.has_error);
}

static void test_nrip_used_when_present(void **state)
{
	struct vm_exit e;

	(void)state;
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.control.exit_code = SVM_EXIT_CPUID;
	vmcb.save.rip = 0x2000;
	vmcb.control.next_rip = 0x2002;
	svm_translate_exit(&vmcb, &e);
	assert_int_equal(e.insn_len, 2);
	/* A next_rip that makes no sense is ignored, not trusted. */
	vmcb.control.next_rip = 0x1000;
	svm_translate_exit(&vmcb, &e);
	assert_int_equal(e.insn_len, 0);
}

/* A PAUSE exit is a detected loop only when the pause filter counted. */
static void test_pause_filter(void **state)
{
	struct vm_exit e;

	(void)state;
	assert_false(translate(SVM_EXIT_PAUSE, 0, 0).pause.loop);
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.control.exit_code = SVM_EXIT_PAUSE;
	vmcb.control.pause_filter_count = 3000;
	svm_translate_exit(&vmcb, &e);
	assert_int_equal(e.reason, EXIT_PAUSE);
	assert_true(e.pause.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_reasons),
		cmocka_unit_test(test_pause_filter),
		cmocka_unit_test(test_msr_direction),
		cmocka_unit_test(test_ioio_fields_and_length_from_next_rip),
		cmocka_unit_test(test_npf),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_nrip_used_when_present),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
