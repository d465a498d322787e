/* The guest command line: what follows `--` on the VM's module line,
 * handed over in RDX at entry (tests/guests/ENTRY_STATE.md). */
#ifndef GUEST_OPTIONS_H
#define GUEST_OPTIONS_H

#include "lib/types.h"

/* Set by the runtime before guest_main(); "" when there is none. */
extern const char *rt_cmdline;

/* The value of `NAME=NUMBER` on the command line, or @fallback. */
u64 rt_option_u64(const char *name, u64 fallback);

#endif
