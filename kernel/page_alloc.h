/* The hypervisor's physical page allocator (kernel/pmem.c under a lock). */
#ifndef HOLDFAST_PAGE_ALLOC_H
#define HOLDFAST_PAGE_ALLOC_H

#include "kernel/multiboot2.h"

/* Build the allocator from the memory map, reserving the image, the MBI,
 * every module and @extra (e.g. the AP trampoline page). Returns false with
 * @*error set when no usable memory map exists. */
bool page_alloc_init(const struct boot_info *bi, u64 extra_start,
		     u64 extra_end, const char **error);

/* @count zeroed, contiguous pages; 0 when memory is exhausted. */
u64 page_alloc(u64 count);
u64 page_alloc_one(void);
/* @count zeroed pages aligned to @align pages (a power of two). */
u64 page_alloc_aligned(u64 count, u64 align);
void page_free(u64 phys, u64 count);
u64 page_alloc_free_pages(void);
u64 page_alloc_top(void); /* end of the highest usable RAM */

/* A stack of @size bytes with an unmapped guard page below it. Returns its
 * top, and the guard page's address in @*guard; 0 when out of memory. */
u64 stack_alloc(u64 size, u64 *guard);

#endif
