/* Hypervisor console: timestamped, levelled log lines on the serial port. */
#ifndef HOLDFAST_CONSOLE_H
#define HOLDFAST_CONSOLE_H

#include "lib/types.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct console_config {
	u16 port; /* 0: no console */
	u32 baud;
};

void console_init(const struct console_config *cfg);
void console_set_level(enum log_level level);

/* Print one message. Each message starts a line with a timestamp (seconds
 * since boot); messages above the configured level are dropped. */
void printk(enum log_level level, const char *fmt, ...) __printf(2, 3);

/* Raw text, no timestamp or level (register dumps, continuation). */
void console_write(const char *s);

/* After a panic only the panicking CPU prints, and it never waits for the
 * console lock (the CPU holding it may be stopped). */
void console_enter_panic_mode(void);

/* A byte typed on the console, or -1 (polled from the boot CPU's tick). */
int console_getc(void);

#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

#endif
