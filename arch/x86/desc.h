/* Segment descriptors, TSS and IDT for the host. */
#ifndef HOLDFAST_X86_DESC_H
#define HOLDFAST_X86_DESC_H

#include "lib/types.h"

/* Interrupt stack table slots: these exceptions get a known-good stack even
 * when the interrupted stack overflowed into its guard page. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

#define GDT_ENTRIES 5 /* null, code64, data, TSS (two slots) */

struct cpu_desc {
	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss tss __aligned(16);
};

/* Saved by arch/x86/isr.S on every interrupt and exception. */
struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Load this CPU's GDT and TSS (with IST stacks) and the shared IDT. */
void desc_load_cpu(struct cpu_desc *d, const u64 ist_tops[IST_COUNT]);
/* Build the IDT once, on the boot CPU. */
void idt_init(void);

typedef void (*irq_handler_fn)(struct regs *r);
/* Handler for an external/IPI vector (>= 32); EOI is sent by the caller. */
void irq_register(u8 vector, irq_handler_fn fn);

void regs_dump(const struct regs *r);
/* Fill @r with the caller's registers (arch/x86/isr.S). */
void regs_capture(struct regs *r);
_Static_assert(offsetof(struct regs, rip) == 0x88, "isr.S layout");
_Static_assert(offsetof(struct regs, ss) == 0xa8, "isr.S layout");

#endif
