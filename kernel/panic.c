#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/shutdown.h"
#include "arch/x86/smp.h"

static volatile u32 panicking;

bool panic_in_progress(void)
{
	return panicking != 0;
}

static void panic_print(const char *fmt, va_list ap)
{
	char msg[256];
	char line[320];
	struct percpu *pc = this_cpu();

	format_v(msg, sizeof(msg), fmt, ap);
	format(line, sizeof(line), "\nholdfast: PANIC on CPU %u (APIC %u): %s\n",
	       pc->index, pc->apic_id, msg);
	console_write(line);
}

static __noreturn void panic_finish(void)
{
	smp_stop_other_cpus();
	console_write("holdfast: all CPUs stopped\n");
	hv_debug_exit(EXIT_CODE_FAILURE);
	cpu_halt_forever();
}

/* Only the first CPU to panic reports; later ones wait for its NMI. */
static void panic_claim(void)
{
	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		cpu_halt_forever();
	console_enter_panic_mode();
}

void panic_with_regs(const struct regs *r, const char *fmt, ...)
{
	va_list ap;

	panic_claim();
	va_start(ap, fmt);
	panic_print(fmt, ap);
	va_end(ap);
	regs_dump(r);
	panic_finish();
}

void panic(const char *fmt, ...)
{
	va_list ap;
	struct regs r;

	regs_capture(&r);
	panic_claim();
	va_start(ap, fmt);
	panic_print(fmt, ap);
	va_end(ap);
	regs_dump(&r);
	panic_finish();
}
