#include "arch/x86/paging.h"
#include "arch/x86/cpu.h"
#include "boot/layout.h"

#define ENTRIES 512
#define ADDR_MASK 0x000ffffffffff000ull

extern u64 boot_pml4[ENTRIES];
extern u64 boot_pdpt[ENTRIES];

static u64 *table_at(u64 entry)
{
	return (u64 *)(uintptr_t)(entry & ADDR_MASK);
}

u64 paging_map_identity(u64 top, u64 (*alloc_page)(void))
{
	top = MIN(ALIGN_UP(top, GiB(1)), PAGING_MAX_PHYS);
	for (u64 gib = 0; gib < top / GiB(1); gib++) {
		if (boot_pdpt[gib] & PTE_PRESENT)
			continue;
		u64 pd_phys = alloc_page();

		if (!pd_phys)
			return gib * GiB(1);
		u64 *pd = (u64 *)(uintptr_t)pd_phys;

		for (u64 i = 0; i < ENTRIES; i++)
			pd[i] = (gib * GiB(1) + i * LARGE_PAGE_SIZE) |
				PTE_PRESENT | PTE_WRITE | PTE_LARGE;
		boot_pdpt[gib] = pd_phys | PTE_PRESENT | PTE_WRITE;
	}
	write_cr3(read_cr3()); /* flush: new PDPT entries */
	return top;
}

bool paging_unmap_page(u64 va, u64 (*alloc_page)(void))
{
	u64 pdpte = boot_pdpt[(va >> 30) & (ENTRIES - 1)];

	if (!(pdpte & PTE_PRESENT) || (va >> 39))
		return true; /* not mapped at all */
	u64 *pde = &table_at(pdpte)[(va >> 21) & (ENTRIES - 1)];

	if (*pde & PTE_LARGE) {
		u64 pt_phys = alloc_page();

		if (!pt_phys)
			return false;
		u64 *pt = (u64 *)(uintptr_t)pt_phys;
		u64 base = *pde & ADDR_MASK & ~(LARGE_PAGE_SIZE - 1);
		u64 flags = *pde & (PTE_PRESENT | PTE_WRITE | PTE_PCD);

		for (u64 i = 0; i < ENTRIES; i++)
			pt[i] = (base + i * PAGE_SIZE) | flags;
		*pde = pt_phys | PTE_PRESENT | PTE_WRITE;
		write_cr3(read_cr3());
	}
	table_at(*pde)[(va >> 12) & (ENTRIES - 1)] = 0;
	invlpg(va);
	return true;
}
