/* A VM's debug console (port 0xE9): bytes gathered into lines, printed on
 * the hypervisor console as "[NAME] text". */
#ifndef HOLDFAST_VM_CONSOLE_H
#define HOLDFAST_VM_CONSOLE_H

#include "lib/types.h"
#include "lib/spinlock.h"

#define VM_CONSOLE_LINE_MAX 200

/* A guest may not flood the host console: at most this many lines per
 * second (with a burst allowance); the excess is counted and reported. */
#define VM_CONSOLE_LINES_PER_S 50
#define VM_CONSOLE_BURST 200

struct vm_console {
	struct spinlock lock; /* vCPUs of one VM write concurrently */
	char line[VM_CONSOLE_LINE_MAX + 1];
	u32 len;
	u64 tokens_at_ns; /* when tokens was last refilled */
	u32 tokens;       /* lines that may be printed now */
	u64 suppressed;   /* lines dropped since the last report */
};

void vm_console_putc(struct vm_console *c, const char *vm_name, char ch);
/* Print what is buffered as a last, unterminated line. */
void vm_console_flush(struct vm_console *c, const char *vm_name);

#endif
