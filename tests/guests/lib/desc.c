#include <stddef.h>

#include "tests/guests/lib/desc.h"
#include "tests/guests/lib/layout.h"

_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

static u64 gdt[GDT_ENTRIES] __aligned(16);
static struct tss64 tss[RT_MAX_VCPUS] __aligned(16);

/* Flat segments: limit 0xfffff, G = 1; L = 1 for 64-bit code. */
#define DESC_KERNEL_CODE 0x00af9a000000ffffull
#define DESC_KERNEL_DATA 0x00cf92000000ffffull
#define DESC_USER_DATA 0x00cff2000000ffffull
#define DESC_USER_CODE 0x00affa000000ffffull

static void gdt_set_tss(unsigned index)
{
	u64 base = (u64)(uintptr_t)&tss[index];
	u64 limit = sizeof(tss[index]) - 1;
	unsigned slot = SEL_TSS(index) / 8;

	tss[index].iomap_base = sizeof(tss[index]);
	/* type 9 = available 64-bit TSS, P = 1, DPL = 0 */
	gdt[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		    (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((base >> 24) & 0xff) << 56);
	gdt[slot + 1] = base >> 32;
}

void gdt_init(unsigned nr)
{
	gdt[0] = 0;
	gdt[SEL_KERNEL_CS / 8] = DESC_KERNEL_CODE;
	gdt[SEL_KERNEL_DS / 8] = DESC_KERNEL_DATA;
	gdt[SEL_USER_DS / 8] = DESC_USER_DATA;
	gdt[SEL_USER_CS / 8] = DESC_USER_CODE;
	for (unsigned i = 0; i < nr && i < RT_MAX_VCPUS; i++)
		gdt_set_tss(i);
}

void gdt_load(unsigned index)
{
	struct desc_ptr p = { sizeof(gdt) - 1, (u64)(uintptr_t)gdt };

	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movl %2, %%eax\n\t"
		     "movl %%eax, %%ds\n\t"
		     "movl %%eax, %%es\n\t"
		     "movl %%eax, %%ss\n\t"
		     "movl %%eax, %%fs\n\t"
		     "movl %%eax, %%gs\n\t"
		     "ltr %w3"
		     :
		     : "m"(p), "i"(SEL_KERNEL_CS), "i"(SEL_KERNEL_DS),
		       "r"((u16)SEL_TSS(index))
		     : "rax", "memory");
}

void *tss_rsp0(unsigned index)
{
	/* at offset 4: not 8-byte aligned, which x86 does not mind */
	return (u8 *)&tss[index] + offsetof(struct tss64, rsp0);
}
