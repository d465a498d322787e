#include "vm/vm_console.h"
#include "kernel/console.h"
#include "kernel/time.h"

static bool vm_console_may_print(struct vm_console *c)
{
	u64 now = time_since_boot_ns();
	u64 earned = (now - c->tokens_at_ns) * VM_CONSOLE_LINES_PER_S / 1000000000ull;

	if (!c->tokens_at_ns) {
		c->tokens = VM_CONSOLE_BURST;
		c->tokens_at_ns = now;
	} else if (earned) {
		c->tokens = (u32)MIN(VM_CONSOLE_BURST, c->tokens + earned);
		c->tokens_at_ns = now;
	}
	if (!c->tokens)
		return false;
	c->tokens--;
	return true;
}

static void vm_console_emit(struct vm_console *c, const char *vm_name)
{
	c->line[c->len] = '\0';
	c->len = 0;
	if (!vm_console_may_print(c)) {
		c->suppressed++;
		return;
	}
	if (c->suppressed) {
		pr_warn("[%s] (%lu console lines suppressed: more than %u a second)",
			vm_name, c->suppressed, VM_CONSOLE_LINES_PER_S);
		c->suppressed = 0;
	}
	pr_info("[%s] %s", vm_name, c->line);
}

void vm_console_putc(struct vm_console *c, const char *vm_name, char ch)
{
	spin_lock(&c->lock);
	if (ch == '\n') {
		vm_console_emit(c, vm_name);
	} else if (ch != '\r') {
		/* Keep the host console readable: no control characters. */
		c->line[c->len++] = (ch >= 0x20 && ch < 0x7f) ? ch : '.';
		if (c->len == VM_CONSOLE_LINE_MAX)
			vm_console_emit(c, vm_name);
	}
	spin_unlock(&c->lock);
}

void vm_console_flush(struct vm_console *c, const char *vm_name)
{
	spin_lock(&c->lock);
	if (c->len)
		vm_console_emit(c, vm_name);
	if (c->suppressed)
		pr_warn("[%s] (%lu console lines suppressed: more than %u a second)",
			vm_name, c->suppressed, VM_CONSOLE_LINES_PER_S);
	c->suppressed = 0;
	spin_unlock(&c->lock);
}
