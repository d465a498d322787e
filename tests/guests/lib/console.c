#include <stdarg.h>

#include "lib/format.h"
#include "paravirt/holdfast_abi.h"
#include "tests/guests/lib/console.h"
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/percpu.h"

#define CONSOLE_LINE_MAX 256

/* 0 when free, else 1 + the index of the vCPU that holds it. */
static u32 console_owner;

static void console_lock(u32 me)
{
	u32 free = 0;

	while (!__atomic_compare_exchange_n(&console_owner, &free, me, false,
					    __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		free = 0;
		cpu_relax();
	}
}

static void console_unlock(void)
{
	__atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
}

/* One OUT per byte: string I/O (OUTSB) is a harder exit to emulate. */
static void console_write(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		outb(HF_DEBUGCON_PORT, (u8)s[i]);
}

static int console_format(char *buf, const char *fmt, va_list ap)
{
	int len = format_v(buf, CONSOLE_LINE_MAX, fmt, ap);

	if (len >= CONSOLE_LINE_MAX) {
		/* truncated: still end the line */
		len = CONSOLE_LINE_MAX - 1;
		buf[len - 1] = '\n';
	}
	return len;
}

void gprintf(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	int len = console_format(buf, fmt, ap);

	va_end(ap);
	/* interrupts off: a handler on this vCPU must not wait for us */
	u64 flags = irq_save();

	console_lock(this_vcpu() + 1);
	console_write(buf, len);
	console_unlock();
	irq_restore(flags);
}

void gprintf_panic(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	int len = console_format(buf, fmt, ap);

	va_end(ap);
	irq_disable();
	int index = this_vcpu();
	u32 me = index >= 0 && index < RT_MAX_VCPUS ? (u32)index + 1 : ~0u;
	bool held = __atomic_load_n(&console_owner, __ATOMIC_ACQUIRE) == me;

	if (!held)
		console_lock(me);
	/* a line this vCPU was printing is cut: start a fresh one */
	if (held)
		console_write("\n", 1);
	console_write(buf, len);
	if (!held)
		console_unlock();
}
