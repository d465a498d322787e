/* The hypervisor's global options, from the multiboot2 command line.
 * Every option is documented in README.md ("Hypervisor options"). */
#ifndef HOLDFAST_OPTIONS_H
#define HOLDFAST_OPTIONS_H

#include "kernel/console.h"

enum selftest {
	SELFTEST_NONE,
	SELFTEST_PANIC,          /* panic on the last CPU after bring-up */
	SELFTEST_STACK_OVERFLOW, /* overflow a CPU stack into its guard page */
};

struct hv_options {
	struct console_config console;
	enum log_level loglevel;
	u16 debug_exit_port; /* isa-debug-exit port; 0 = never exit QEMU */
	u32 max_cpus;        /* 0 = every enabled CPU */
	enum selftest selftest;
	bool sched;          /* sched=credit (default): vCPUs share CPUs;
			      * false for sched=none (one vCPU per CPU) */
	u32 tslice_us;       /* tslice=US: scheduler time slice (0 = default) */
	u32 ratelimit_us;    /* ratelimit=US: shortest run before preemption */
	u32 lhp_delay_us;    /* lhp_delay=US: delayed-preemption extension
			      * (0 = LHP_DELAY_DEFAULT_US) */
};

extern struct hv_options hv_options;

/* First pass: only console=, silently, so the console can come up before
 * anything else is reported. */
void options_parse_console(const char *cmdline);

/* Second pass: every option; each bad one is reported by name and ignored
 * (its default stays). Returns the number of bad options. */
unsigned options_parse(const char *cmdline);

#endif
