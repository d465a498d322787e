/* A VM's debug console (port 0xE9): bytes gathered into lines, printed on
 * the hypervisor console as "[NAME] text". */
#ifndef HOLDFAST_VM_CONSOLE_H
#define HOLDFAST_VM_CONSOLE_H

#include "kernel/types.h"
#include "kernel/spinlock.h"

#define VM_CONSOLE_LINE_MAX 200

struct vm_console {
	struct spinlock lock; /* vCPUs of one VM write concurrently */
	char line[VM_CONSOLE_LINE_MAX + 1];
	u32 len;
};

void vm_console_putc(struct vm_console *c, const char *vm_name, char ch);
/* Print what is buffered as a last, unterminated line. */
void vm_console_flush(struct vm_console *c, const char *vm_name);

#endif
