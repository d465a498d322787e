#include <stdarg.h>
#include "kernel/console.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "kernel/time.h"
#include "arch/x86/cpu.h"
#include "arch/x86/uart16550.h"

static struct console_config console_cfg;
static enum log_level console_level = LOG_INFO;
static struct spinlock console_lock = SPINLOCK_INIT;
static volatile bool console_panicking;

void console_init(const struct console_config *cfg)
{
	console_cfg = *cfg;
	if (console_cfg.port)
		uart_init(console_cfg.port, console_cfg.baud);
}

void console_set_level(enum log_level level)
{
	console_level = level;
}

void console_enter_panic_mode(void)
{
	console_panicking = true;
}

static void console_put_raw(const char *s)
{
	if (!console_cfg.port)
		return;
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc(console_cfg.port, '\r');
		uart_putc(console_cfg.port, *s);
	}
}

/* Interrupts stay off while the lock is held so an interrupt handler that
 * prints on the same CPU cannot deadlock against itself. */
static u64 console_lock_acquire(void)
{
	u64 flags = irq_save();

	if (!console_panicking)
		spin_lock(&console_lock);
	return flags;
}

static void console_lock_release(u64 flags)
{
	if (!console_panicking)
		spin_unlock(&console_lock);
	irq_restore(flags);
}

void console_write(const char *s)
{
	u64 flags = console_lock_acquire();

	console_put_raw(s);
	console_lock_release(flags);
}

void printk(enum log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	u64 ns = time_since_boot_ns();
	int n;

	if (level > console_level)
		return;
	n = format(line, sizeof(line), "[%5u.%06u] ", (unsigned)(ns / 1000000000),
		   (unsigned)(ns / 1000 % 1000000));
	va_start(ap, fmt);
	format_v(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);

	u64 flags = console_lock_acquire();

	console_put_raw(line);
	console_put_raw("\n");
	console_lock_release(flags);
}

int console_getc(void)
{
	return console_cfg.port ? uart_getc_nowait(console_cfg.port) : -1;
}
