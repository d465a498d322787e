#include "arch/x86/desc.h"
#include "boot/layout.h"

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

struct table_ptr {
	u16 limit;
	u64 base;
} __packed;

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define ISR_STUB_SIZE 16

extern const u8 isr_stubs[];
static struct idt_gate idt[256] __aligned(16);

static void idt_set(u8 vector, u8 ist)
{
	u64 addr = (u64)(uintptr_t)&isr_stubs[vector * ISR_STUB_SIZE];

	idt[vector] = (struct idt_gate){
		.offset_lo = addr & 0xffff,
		.selector = GDT_CODE64,
		.ist = ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (addr >> 16) & 0xffff,
		.offset_hi = addr >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, 0);
	idt_set(2, IST_NMI);
	idt_set(8, IST_DOUBLE_FAULT);
	idt_set(18, IST_MACHINE_CHECK);
}

static void gdt_set_tss(u64 *gdt, const struct tss *tss)
{
	u64 base = (u64)(uintptr_t)tss;
	u64 limit = sizeof(*tss) - 1;

	gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | /* present, 64-bit TSS available */
			   (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;
}

void desc_load_cpu(struct cpu_desc *d, const u64 ist_tops[IST_COUNT])
{
	struct table_ptr gdtr = { sizeof(d->gdt) - 1, (u64)(uintptr_t)d->gdt };
	struct table_ptr idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	d->gdt[0] = 0;
	d->gdt[GDT_CODE64 / 8] = GDT_CODE64_DESC;
	d->gdt[GDT_DATA / 8] = GDT_DATA_DESC;
	for (int i = 0; i < IST_COUNT; i++)
		d->tss.ist[i] = ist_tops[i];
	d->tss.iomap_base = sizeof(d->tss); /* no I/O bitmap */
	gdt_set_tss(d->gdt, &d->tss);

	asm volatile("lgdt %0" ::"m"(gdtr));
	/* Reload CS with a far return, then the data segments. */
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %1, %%ds\n\t"
		     "mov %1, %%es\n\t"
		     "mov %1, %%ss\n\t"
		     :
		     : "i"((u64)GDT_CODE64), "r"((u16)GDT_DATA)
		     : "rax", "memory");
	asm volatile("ltr %0" ::"r"((u16)GDT_TSS));
	asm volatile("lidt %0" ::"m"(idtr));
}
