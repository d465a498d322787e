#include "kernel/vm_console.h"
#include "kernel/console.h"

static void vm_console_emit(struct vm_console *c, const char *vm_name)
{
	c->line[c->len] = '\0';
	pr_info("[%s] %s", vm_name, c->line);
	c->len = 0;
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
	spin_unlock(&c->lock);
}
