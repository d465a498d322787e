/* Unit tests for lib/format.c, checked against the C library's snprintf
 * for the conversions both support. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/format.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

#define CHECK(...)                                                             \
	do {                                                                   \
		char ours[128], libc[128];                                     \
		int a = format(ours, sizeof(ours), __VA_ARGS__);               \
		int b = snprintf(libc, sizeof(libc), __VA_ARGS__);             \
		assert_string_equal(ours, libc);                               \
		assert_int_equal(a, b);                                        \
	} while (0)

static void test_matches_libc(void **state)
{
	(void)state;
	CHECK("plain");
	CHECK("%d %d %d", 0, -1, 2147483647);
	CHECK("%d", (int)-2147483647 - 1);
	CHECK("%u %x %X", 4000000000u, 0xdeadbeefu, 0xabcu);
	CHECK("%lu %lx %ld", 18446744073709551615ul, 0x123456789abcdeful,
	      -5l);
	CHECK("%llu %zu", 42ull, (size_t)7);
	CHECK("[%5u.%06u]", 3u, 42u);
	CHECK("%016lx|%-6s|%6s|%c|%%", 0xfful, "ab", "cd", 'z');
	CHECK("%05d %-5d|", -42, 42);
	CHECK("%s", "");
}

static void test_truncates_and_reports_length(void **state)
{
	char buf[8];
	int n;

	(void)state;
	n = format(buf, sizeof(buf), "%s", "0123456789");
	assert_int_equal(n, 10);
	assert_string_equal(buf, "0123456");
	n = format(buf, 0, "abc");
	assert_int_equal(n, 3);
	n = format(buf, 1, "abc");
	assert_string_equal(buf, "");
}

static void test_null_string_and_pointer(void **state)
{
	char buf[64];
	const char *volatile null_string = NULL;
	const char *volatile trailing = "trailing %";

	(void)state;
	format(buf, sizeof(buf), "%s", null_string);
	assert_string_equal(buf, "(null)");
	format(buf, sizeof(buf), "%p", (void *)0x1000);
	assert_string_equal(buf, "0x1000");
	format(buf, sizeof(buf), trailing);
	assert_string_equal(buf, "trailing ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_libc),
		cmocka_unit_test(test_truncates_and_reports_length),
		cmocka_unit_test(test_null_string_and_pointer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
