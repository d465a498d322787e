/*
 * The guests' own page tables. Holdfast's boot tables map only the VM's
 * memory, supervisor-only; these identity-map [0, 4 GiB) (and the VM's
 * memory beyond, if any) in 2 MiB pages, user-accessible, so that CPL 3
 * probes run and unclaimed guest-physical space can be touched.
 */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H

#include "lib/types.h"

/* vCPU 0: measure the VM's memory from the boot tables, build the new
 * tables and load them. Other vCPUs: paging_load() afterwards. */
void paging_init(void);
void paging_load(void);

/* End of the VM's memory: the end of the boot tables' identity map from
 * address 0 (ENTRY_STATE.md: they map exactly [0, memory)). */
u64 paging_mem_top(void);

/* Guest-physical address bits (CPUID 0x80000008), 36 if not reported. */
unsigned paging_phys_bits(void);

/* Identity-map the 2 MiB page at @addr (vCPU 0, after paging_init).
 * False when it cannot be mapped (beyond 512 GiB or the physical address
 * width, or out of page-table pages). */
bool paging_map_2m(u64 addr);

#endif
