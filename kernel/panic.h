/* Fatal hypervisor errors: print the CPU, the reason and the registers, stop
 * every CPU. Guests' errors never come here: they stop only their VM. */
#ifndef HOLDFAST_PANIC_H
#define HOLDFAST_PANIC_H

#include "lib/format.h"
#include "arch/x86/desc.h"

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
__noreturn void panic_with_regs(const struct regs *r, const char *fmt, ...)
	__printf(2, 3);
bool panic_in_progress(void);

#define BUG_ON(cond)                                                           \
	do {                                                                   \
		if (__builtin_expect(!!(cond), 0))                             \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__,          \
			      __LINE__);                                       \
	} while (0)

#endif
