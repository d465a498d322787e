/* Unit tests for lib/cmdline.c: tokenising and value parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cmdline.h"

static void test_tokens_split_at_first_equals(void **state)
{
	const char *c = "  console=com1,115200 \t flag x=a=b  ";
	struct cmdline_token t;

	(void)state;
	assert_true(cmdline_next(&c, &t));
	assert_string_equal(t.key, "console");
	assert_string_equal(t.value, "com1,115200");
	assert_true(t.has_value);
	assert_true(cmdline_next(&c, &t));
	assert_string_equal(t.key, "flag");
	assert_false(t.has_value);
	assert_true(cmdline_next(&c, &t));
	assert_string_equal(t.key, "x");
	assert_string_equal(t.value, "a=b");
	assert_false(cmdline_next(&c, &t));
	assert_false(cmdline_next(&c, &t));
}

static void test_empty_value_and_empty_line(void **state)
{
	const char *c = "k=";
	const char *empty = "   ";
	struct cmdline_token t;

	(void)state;
	assert_true(cmdline_next(&c, &t));
	assert_true(t.has_value);
	assert_string_equal(t.value, "");
	assert_false(cmdline_next(&empty, &t));
}

static void test_overlong_tokens_are_flagged(void **state)
{
	char line[512];
	const char *c = line;
	struct cmdline_token t;

	(void)state;
	memset(line, 'k', 100);
	strcpy(line + 100, "=v next");
	assert_true(cmdline_next(&c, &t));
	assert_true(t.too_long);
	assert_int_equal(strlen(t.key), CMDLINE_KEY_MAX - 1);
	assert_true(cmdline_next(&c, &t)); /* the next token is intact */
	assert_string_equal(t.key, "next");
	assert_false(t.too_long);

	memset(line, 0, sizeof(line));
	strcpy(line, "key=");
	memset(line + 4, 'v', 300);
	c = line;
	assert_true(cmdline_next(&c, &t));
	assert_true(t.too_long);
}

static void test_parse_u64(void **state)
{
	u64 v;

	(void)state;
	assert_true(parse_u64("0", &v));
	assert_int_equal(v, 0);
	assert_true(parse_u64("4096", &v));
	assert_int_equal(v, 4096);
	assert_true(parse_u64("0xf4", &v));
	assert_int_equal(v, 0xf4);
	assert_true(parse_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	assert_false(parse_u64("18446744073709551616", &v));
	assert_false(parse_u64("", &v));
	assert_false(parse_u64("0x", &v));
	assert_false(parse_u64("12a", &v));
	assert_false(parse_u64("-1", &v));
	assert_false(parse_u64(" 1", &v));
}

static void test_parse_size(void **state)
{
	u64 v;

	(void)state;
	assert_true(parse_size("512", &v));
	assert_int_equal(v, 512);
	assert_true(parse_size("4K", &v));
	assert_int_equal(v, 4096);
	assert_true(parse_size("256M", &v));
	assert_int_equal(v, 256ull << 20);
	assert_true(parse_size("2g", &v));
	assert_int_equal(v, 2ull << 30);
	assert_true(parse_size("0x10M", &v));
	assert_int_equal(v, 16ull << 20);
	assert_false(parse_size("1T", &v));
	assert_false(parse_size("1MB", &v));
	assert_false(parse_size("M", &v));
	assert_false(parse_size("17179869184G", &v)); /* overflows 64 bits */
}

static void test_string_helpers(void **state)
{
	(void)state;
	assert_true(str_equal("abc", "abc"));
	assert_false(str_equal("abc", "abcd"));
	assert_false(str_equal("abcd", "abc"));
	assert_true(str_equal("", ""));
	assert_string_equal(str_after_prefix("com1,9600", "com1"), ",9600");
	assert_string_equal(str_after_prefix("com1", "com1"), "");
	assert_null(str_after_prefix("com", "com1"));
	assert_null(str_after_prefix("com2", "com1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_split_at_first_equals),
		cmocka_unit_test(test_empty_value_and_empty_line),
		cmocka_unit_test(test_overlong_tokens_are_flagged),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_string_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
