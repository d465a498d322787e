/* Constants shared by the assembly entry paths and C (no C syntax here). */
#ifndef HOLDFAST_BOOT_LAYOUT_H
#define HOLDFAST_BOOT_LAYOUT_H

#define BOOT_PAGE_SIZE 4096
#define BOOT_STACK_SIZE (16 * 1024)

#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_PCD 0x10
#define PTE_LARGE 0x80

#define CR0_PE 0x1
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define X86_MSR_EFER 0xc0000080
#define X86_EFER_LME 0x100

/* GDT layout, the same at boot, in the AP trampoline and per CPU. */
#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18
#define GDT_CODE64_DESC 0x00af9a000000ffff
#define GDT_DATA_DESC 0x00cf92000000ffff

#endif
