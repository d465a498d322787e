/* Console of the test guests: bytes to Holdfast's debug port (0xe9).
 * One call prints atomically with respect to other vCPUs, so a call should
 * print whole lines ("...\n"). */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include "lib/types.h"

/* Each guest defines its name; the runtime prefixes its own lines with it. */
extern const char guest_name[];

void gprintf(const char *fmt, ...) __printf(1, 2);

/* For the fatal-trap path: does not wait for a lock this vCPU holds. */
void gprintf_panic(const char *fmt, ...) __printf(1, 2);

#endif
