/* Interrupt and exception dispatch for the host. Every exception taken by
 * the hypervisor itself is fatal: it panics with the faulting state. */
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"

#define VEC_NMI 2
#define VEC_DOUBLE_FAULT 8
#define VEC_PAGE_FAULT 14

static irq_handler_fn irq_handlers[256];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP error", "alignment check",
	"machine check", "SIMD FP error", "virtualization", "control protection",
};

void irq_register(u8 vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

void regs_dump(const struct regs *r)
{
	char buf[160];

	format(buf, sizeof(buf), "  RIP %016lx CS %04lx RFLAGS %016lx\n",
	       r->rip, r->cs, r->rflags);
	console_write(buf);
	format(buf, sizeof(buf), "  RSP %016lx SS %04lx vector %lu error %lx\n",
	       r->rsp, r->ss, r->vector, r->error);
	console_write(buf);
	format(buf, sizeof(buf), "  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n",
	       r->rax, r->rbx, r->rcx, r->rdx);
	console_write(buf);
	format(buf, sizeof(buf), "  RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n",
	       r->rsi, r->rdi, r->rbp, r->r8);
	console_write(buf);
	format(buf, sizeof(buf), "  R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n",
	       r->r9, r->r10, r->r11, r->r12);
	console_write(buf);
	format(buf, sizeof(buf), "  R13 %016lx R14 %016lx R15 %016lx\n",
	       r->r13, r->r14, r->r15);
	console_write(buf);
	format(buf, sizeof(buf), "  CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
	console_write(buf);
}

/* A #PF that cannot push its frame on an overflowed stack becomes a #DF on
 * the IST stack; CR2 then still names the guard page. */
static bool fault_hit_stack_guard(const struct percpu *pc, u64 addr)
{
	for (int i = 0; i < STACK_GUARD_SLOTS; i++) {
		u64 guard = pc->stack_guard[i];

		if (guard && addr >= guard && addr < guard + PAGE_SIZE)
			return true;
	}
	return false;
}

static __noreturn void exception_fatal(struct regs *r)
{
	const char *name = exception_names[r->vector];

	if ((r->vector == VEC_PAGE_FAULT || r->vector == VEC_DOUBLE_FAULT) &&
	    fault_hit_stack_guard(this_cpu(), read_cr2()))
		panic_with_regs(r, "stack overflow: %s at guard page %lx",
				name, read_cr2());
	panic_with_regs(r, "%s exception (vector %lu, error %lx)",
			name ? name : "reserved", r->vector, r->error);
}

void interrupt_dispatch(struct regs *r);
void interrupt_dispatch(struct regs *r)
{
	u8 vector = (u8)r->vector;

	if (vector == VEC_NMI) {
		/* NMIs are how a panicking CPU stops the others. */
		if (panic_in_progress())
			cpu_halt_forever();
		this_cpu()->nmis++;
		return;
	}
	if (vector < 32)
		exception_fatal(r);
	if (vector == VEC_SPURIOUS) {
		this_cpu()->spurious_interrupts++; /* no EOI for spurious */
		return;
	}
	if (vector == VEC_APIC_ERROR)
		pr_warn("holdfast: warning: LAPIC error %x on CPU %u",
			lapic_read_error(), this_cpu()->index);
	else if (irq_handlers[vector])
		irq_handlers[vector](r);
	else
		pr_warn("holdfast: warning: unexpected interrupt vector %u on CPU %u",
			vector, this_cpu()->index);
	lapic_eoi();
}
