/* The guests' own GDT: CPL 0 and CPL 3 code/data, one 64-bit TSS per vCPU
 * (TSS.RSP0 is where traps from CPL 3 enter). */
#ifndef GUEST_DESC_H
#define GUEST_DESC_H

#include "lib/types.h"

struct tss64 {
	u32 reserved0;
	u64 rsp0, rsp1, rsp2;
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;  /* past the limit: no I/O bitmap, CPL 3 I/O #GPs */
} __packed;

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

/* Build the GDT for @nr vCPUs (once, vCPU 0). */
void gdt_init(unsigned nr);

/* Load the GDT, reload every segment register and load vCPU @index's TR. */
void gdt_load(unsigned index);

/* Where vCPU @index's TSS.RSP0 is (rt_user() writes it). */
void *tss_rsp0(unsigned index);

#endif
