/* Unit tests for the vLAPIC timer (vdev/vlapic_timer.c): one-shot,
 * periodic and TSC-deadline modes, masking. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "tests/unit/vlapic_fixture.h"

static void test_timer_oneshot(void **state)
{
	static const struct {
		u32 dcr, div;
	} divs[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	struct vlapic *l = &f.l[1];
	unsigned int i;
	u64 t0 = 1000000, dl;

	(void)state;
	all_xapic_enabled();
	mw(1, VLAPIC_REG_LVT_TIMER, 0xec);
	for (i = 0; i < ARRAY_SIZE(divs); i++) {
		vlapic_mmio_write(l, VLAPIC_REG_TIMER_DIV, divs[i].dcr | 0xf4,
				  t0);
		assert_int_equal(mr(1, VLAPIC_REG_TIMER_DIV), divs[i].dcr);
		vlapic_mmio_write(l, VLAPIC_REG_TIMER_INIT, 1000, t0);
		dl = t0 + 1000ull * divs[i].div;
		assert_true(f.deadline[1] == dl);
		assert_int_equal(vlapic_mmio_read(l, VLAPIC_REG_TIMER_INIT, t0),
				 1000);
		assert_int_equal(vlapic_mmio_read(l, VLAPIC_REG_TIMER_CUR, t0),
				 1000);
		assert_int_equal(vlapic_mmio_read(l, VLAPIC_REG_TIMER_CUR,
						  t0 + 250ull * divs[i].div),
				 750);
		assert_true(vlapic_timer_poll(l, dl - 1) == dl);
		assert_false(irr_has(1, 0xec));
		assert_true(vlapic_timer_poll(l, dl) == 0);
		assert_true(irr_has(1, 0xec));
		assert_true(f.deadline[1] == 0);
		assert_int_equal(vlapic_mmio_read(l, VLAPIC_REG_TIMER_CUR,
						  dl + 5), 0);
		/* Initial count stays readable after expiry. */
		assert_int_equal(vlapic_mmio_read(l, VLAPIC_REG_TIMER_INIT,
						  dl + 5), 1000);
		vlapic_accept(l, 0xec);
		mw(1, VLAPIC_REG_EOI, 0);
		t0 = dl + 17;
	}
	/* Expired but not polled: current count already 0. */
	vlapic_mmio_write(l, VLAPIC_REG_TIMER_INIT, 10, t0);
	assert_int_equal(vlapic_mmio_read(l, VLAPIC_REG_TIMER_CUR, t0 + 10), 0);
	/* Writing 0 stops it. */
	vlapic_mmio_write(l, VLAPIC_REG_TIMER_INIT, 0, t0);
	assert_true(f.deadline[1] == 0);
	assert_true(vlapic_timer_poll(l, t0 + 100) == 0);
	assert_false(irr_has(1, 0xec));
}

static void test_timer_periodic(void **state)
{
	struct vlapic *l = &f.l[2];
	unsigned int calls;
	u64 t0 = 5000, v;

	(void)state;
	all_x2apic_enabled();
	xw(2, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_TIMER_PERIODIC | 0xef);
	xw(2, VLAPIC_REG_TIMER_DIV, 0x1); /* divide by 4 */
	assert_true(vlapic_msr_write(l, 0x838, t0, 100));
	assert_true(f.deadline[2] == t0 + 400);
	assert_true(vlapic_timer_poll(l, t0 + 400) == t0 + 800);
	assert_true(irr_has(2, 0xef));
	assert_true(f.deadline[2] == t0 + 800);
	/* Current count mid-period, and after an unpolled expiry. */
	assert_true(vlapic_msr_read(l, 0x839, t0 + 600, &v));
	assert_true(v == 50);
	assert_true(vlapic_msr_read(l, 0x839, t0 + 800 + 40, &v));
	assert_true(v == 90);
	/* Late poll: missed periods collapse, next stays on the grid. */
	calls = f.timer_calls[2];
	assert_true(vlapic_timer_poll(l, t0 + 2050) == t0 + 2400);
	assert_int_equal(f.timer_calls[2], calls + 1);
	/* Same deadline: no callback. */
	assert_true(vlapic_timer_poll(l, t0 + 2100) == t0 + 2400);
	assert_int_equal(f.timer_calls[2], calls + 1);
	/* Periodic -> one-shot keeps counting, then stops after expiry. */
	xw(2, VLAPIC_REG_LVT_TIMER, 0xef);
	assert_true(f.deadline[2] == t0 + 2400);
	assert_true(vlapic_timer_poll(l, t0 + 2400) == 0);
	/* Divide change mid-count keeps the remaining count. */
	assert_true(vlapic_msr_write(l, 0x838, 10000, 100));
	assert_true(vlapic_msr_write(l, 0x83e, 10000 + 200, 0xb));
	assert_true(vlapic_msr_read(l, 0x839, 10200, &v));
	assert_true(v == 50);
	assert_true(f.deadline[2] == 10200 + 50);
}

static void test_timer_tsc_deadline(void **state)
{
	struct vlapic *l = &f.l[3];
	u64 v;

	(void)state;
	all_xapic_enabled();
	/* Outside deadline mode the MSR reads 0 and ignores writes. */
	assert_true(vlapic_msr_write(l, VLAPIC_MSR_TSC_DEADLINE, 0, 12345));
	assert_true(vlapic_msr_read(l, VLAPIC_MSR_TSC_DEADLINE, 0, &v));
	assert_true(v == 0);
	assert_int_equal(f.timer_calls[3], 0);
	/* An armed one-shot is disarmed by the switch to deadline mode. */
	mw(3, VLAPIC_REG_LVT_TIMER, 0xd0);
	vlapic_mmio_write(l, VLAPIC_REG_TIMER_INIT, 1000, 0);
	assert_true(f.deadline[3] == 2000);
	mw(3, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_TIMER_TSC_DEADLINE | 0xd0);
	assert_true(f.deadline[3] == 0);
	assert_int_equal(mr(3, VLAPIC_REG_TIMER_INIT), 0);
	/* Initial count is ignored in deadline mode. */
	vlapic_mmio_write(l, VLAPIC_REG_TIMER_INIT, 1000, 0);
	assert_int_equal(mr(3, VLAPIC_REG_TIMER_INIT), 0);
	assert_true(f.deadline[3] == 0);
	assert_true(vlapic_msr_write(l, VLAPIC_MSR_TSC_DEADLINE, 0, 50000));
	assert_true(f.deadline[3] == 50000);
	assert_true(vlapic_msr_read(l, VLAPIC_MSR_TSC_DEADLINE, 0, &v));
	assert_true(v == 50000);
	assert_int_equal(vlapic_mmio_read(l, VLAPIC_REG_TIMER_CUR, 100), 0);
	assert_true(vlapic_timer_poll(l, 49999) == 50000);
	assert_false(irr_has(3, 0xd0));
	assert_true(vlapic_timer_poll(l, 50001) == 0);
	assert_true(irr_has(3, 0xd0));
	assert_true(f.deadline[3] == 0);
	assert_true(vlapic_msr_read(l, VLAPIC_MSR_TSC_DEADLINE, 0, &v));
	assert_true(v == 0);
	/* 0 disarms; a past deadline fires at the next poll. */
	assert_true(vlapic_msr_write(l, VLAPIC_MSR_TSC_DEADLINE, 0, 90000));
	assert_true(vlapic_msr_write(l, VLAPIC_MSR_TSC_DEADLINE, 0, 0));
	assert_true(f.deadline[3] == 0);
	assert_true(vlapic_timer_poll(l, 100000) == 0);
	assert_true(vlapic_msr_write(l, VLAPIC_MSR_TSC_DEADLINE, 0, 10));
	vlapic_accept(l, 0xd0);
	mw(3, VLAPIC_REG_EOI, 0);
	assert_true(vlapic_timer_poll(l, 100000) == 0);
	assert_true(irr_has(3, 0xd0));
	/* Leaving deadline mode disarms too. */
	assert_true(vlapic_msr_write(l, VLAPIC_MSR_TSC_DEADLINE, 0, 200000));
	mw(3, VLAPIC_REG_LVT_TIMER, 0xd0);
	assert_true(f.deadline[3] == 0);
}

static void test_timer_masked(void **state)
{
	struct vlapic *l = &f.l[0];

	(void)state;
	all_xapic_enabled();
	mw(0, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_MASKED |
				    VLAPIC_LVT_TIMER_PERIODIC | 0xe0);
	mw(0, VLAPIC_REG_TIMER_DIV, 0xb);
	vlapic_mmio_write(l, VLAPIC_REG_TIMER_INIT, 100, 0);
	/* Masked: it counts and reloads, but raises nothing. */
	assert_true(vlapic_timer_poll(l, 100) == 200);
	assert_int_equal(vlapic_pending_vector(l), -1);
	assert_int_equal(f.kicks[0], 0);
	/* Software disable masks it even after an unmasked write. */
	mw(0, VLAPIC_REG_SVR, 0xff);
	mw(0, VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_TIMER_PERIODIC | 0xe0);
	assert_true(mr(0, VLAPIC_REG_LVT_TIMER) & VLAPIC_LVT_MASKED);
	assert_true(vlapic_timer_poll(l, 200) == 300);
	assert_int_equal(vlapic_pending_vector(l), -1);
	/* Reset disarms and reports it. */
	vlapic_reset(l, true);
	assert_true(f.deadline[0] == 0);
	assert_true(vlapic_timer_poll(l, 1000) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_timer_oneshot, setup),
		cmocka_unit_test_setup(test_timer_periodic, setup),
		cmocka_unit_test_setup(test_timer_tsc_deadline, setup),
		cmocka_unit_test_setup(test_timer_masked, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
