#include "kernel/options.h"
#include "lib/cmdline.h"
#include "arch/x86/uart16550.h"

struct hv_options hv_options = {
	.console = { .port = UART_COM1, .baud = 115200 },
	.loglevel = LOG_INFO,
	.sched = true, /* sched=credit: vCPUs share CPUs unless told not to */
};

static bool parse_console(const char *v, struct console_config *out)
{
	const char *rest;
	u16 port;
	u64 baud = 115200;

	if (str_equal(v, "none")) {
		out->port = 0;
		return true;
	}
	if ((rest = str_after_prefix(v, "com1")))
		port = UART_COM1;
	else if ((rest = str_after_prefix(v, "com2")))
		port = UART_COM2;
	else
		return false;
	if (*rest == ',') {
		if (!parse_u64(rest + 1, &baud) || baud == 0 || baud > 115200 ||
		    115200 % baud)
			return false;
	} else if (*rest) {
		return false;
	}
	out->port = port;
	out->baud = (u32)baud;
	return true;
}

void options_parse_console(const char *cmdline)
{
	struct cmdline_token tok;

	while (cmdline_next(&cmdline, &tok))
		if (str_equal(tok.key, "console") && tok.has_value)
			parse_console(tok.value, &hv_options.console);
}

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* Returns NULL when @tok was applied, else what was expected. */
static const char *option_apply(const struct cmdline_token *tok)
{
	const char *k = tok->key, *v = tok->value;
	u64 n;

	if (str_equal(k, "console")) {
		struct console_config c;

		return parse_console(v, &c) ? NULL :
		       "com1[,BAUD], com2[,BAUD] or none (BAUD divides 115200)";
	}
	if (str_equal(k, "loglevel")) {
		for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++) {
			if (str_equal(v, level_names[i])) {
				hv_options.loglevel = (enum log_level)i;
				return NULL;
			}
		}
		return "error, warn, info or debug";
	}
	if (str_equal(k, "debug_exit")) {
		if (!parse_u64(v, &n) || n == 0 || n > 0xffff)
			return "an I/O port number such as 0xf4";
		hv_options.debug_exit_port = (u16)n;
		return NULL;
	}
	if (str_equal(k, "maxcpus")) {
		if (!parse_u64(v, &n) || n == 0 || n > 0xffffffffu)
			return "a CPU count of at least 1";
		hv_options.max_cpus = (u32)n;
		return NULL;
	}
	if (str_equal(k, "sched")) {
		if (str_equal(v, "credit"))
			hv_options.sched = true;
		else if (str_equal(v, "none"))
			hv_options.sched = false;
		else
			return "credit or none";
		return NULL;
	}
	if (str_equal(k, "lhp_delay")) {
		if (!parse_u64(v, &n) || n < 10 || n > 100000)
			return "microseconds, 10 to 100000";
		hv_options.lhp_delay_us = (u32)n;
		return NULL;
	}
	if (str_equal(k, "tslice") || str_equal(k, "ratelimit")) {
		if (!parse_u64(v, &n) || n < 100 || n > 1000000)
			return "microseconds, 100 to 1000000";
		if (str_equal(k, "tslice"))
			hv_options.tslice_us = (u32)n;
		else
			hv_options.ratelimit_us = (u32)n;
		return NULL;
	}
	if (str_equal(k, "selftest")) {
		if (str_equal(v, "panic"))
			hv_options.selftest = SELFTEST_PANIC;
		else if (str_equal(v, "stack-overflow"))
			hv_options.selftest = SELFTEST_STACK_OVERFLOW;
		else
			return "panic or stack-overflow";
		return NULL;
	}
	return "";
}

unsigned options_parse(const char *cmdline)
{
	struct cmdline_token tok;
	unsigned bad = 0;

	while (cmdline_next(&cmdline, &tok)) {
		const char *expected;

		if (tok.too_long) {
			pr_err("holdfast: error: option '%s...' is too long; ignored",
			       tok.key);
			bad++;
			continue;
		}
		expected = option_apply(&tok);
		if (!expected)
			continue;
		bad++;
		if (!*expected)
			pr_err("holdfast: error: unknown option '%s'; ignored",
			       tok.key);
		else if (!tok.has_value)
			pr_err("holdfast: error: option %s needs a value (%s); ignored",
			       tok.key, expected);
		else
			pr_err("holdfast: error: option %s=%s: expected %s; ignored",
			       tok.key, tok.value, expected);
	}
	return bad;
}
