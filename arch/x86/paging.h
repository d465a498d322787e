/* The host's page tables: one identity map shared by every CPU, built at
 * boot (boot/entry.S maps the low 4 GiB with 2 MiB pages). */
#ifndef HOLDFAST_X86_PAGING_H
#define HOLDFAST_X86_PAGING_H

#include "lib/types.h"

#define PAGING_MAX_PHYS GiB(512) /* one PDPT's reach */

/* Extend the identity map to cover [0, @top). Page-table pages come from
 * @alloc_page (returns a zeroed page's physical address, 0 when out).
 * Returns the top actually mapped. */
u64 paging_map_identity(u64 top, u64 (*alloc_page)(void));

/* Unmap the 4 KiB page at @va (splitting its 2 MiB page). Only before the
 * other CPUs run, or for pages no other CPU has touched: there is no TLB
 * shootdown here. Returns false when out of page-table pages. */
bool paging_unmap_page(u64 va, u64 (*alloc_page)(void));

#endif
