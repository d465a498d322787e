/* Unit tests for paravirt/pvclock.c: the scale Holdfast publishes must make
 * the guest's arithmetic give nanoseconds, for slow and fast TSCs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "paravirt/pvclock.h"

static void check_rate(u64 hz)
{
	u32 mul;
	s8 shift;
	u64 ns;

	pvclock_scale(hz, &mul, &shift);
	assert_true(mul >= 0x80000000u); /* at least 31 bits of precision */
	/* One second of ticks is one second, within one part per million. */
	ns = pvclock_ticks_to_ns(hz, mul, shift);
	assert_true(ns > 1000000000ull - 1000 && ns < 1000000000ull + 1000);
	/* An hour is an hour, within the same ratio. */
	ns = pvclock_ticks_to_ns(hz * 3600, mul, shift);
	assert_true(ns > 3600000000000ull - 3600000 && ns < 3600000000000ull + 3600000);
}

static void test_common_rates(void **state)
{
	static const u64 rates[] = { 1000000ull, 25000000ull, 999999999ull,
				     1000000000ull, 1000000001ull, 2000000000ull,
				     2454210000ull, 3999999999ull, 5000000000ull };

	(void)state;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		check_rate(rates[i]);
}

static void test_zero_delta_is_zero(void **state)
{
	u32 mul;
	s8 shift;

	(void)state;
	pvclock_scale(2454210000ull, &mul, &shift);
	assert_int_equal(pvclock_ticks_to_ns(0, mul, shift), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_rates),
		cmocka_unit_test(test_zero_delta_is_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
