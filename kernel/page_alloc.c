#include "kernel/page_alloc.h"
#include "kernel/pmem.h"
#include "kernel/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "arch/x86/paging.h"

extern char __image_start[], __image_end[];

static struct pmem pm;
static struct spinlock pm_lock = SPINLOCK_INIT;
static u64 usable_top;

struct range {
	u64 start, end;
};

static bool ranges_overlap(u64 a0, u64 a1, u64 b0, u64 b1)
{
	return a0 < b1 && b0 < a1;
}

/* First page-aligned spot of @bytes in usable RAM above 1 MiB that avoids
 * every range in @avoid. */
static u64 find_bitmap_home(const struct boot_info *bi, u64 bytes,
			    const struct range *avoid, u32 navoid)
{
	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *m = &bi->mmap[i];

		if (m->type != MB2_MEM_AVAILABLE)
			continue;
		u64 end = m->base + m->length;

		for (u64 at = ALIGN_UP(MAX(m->base, MiB(1)), PAGE_SIZE);
		     at + bytes <= end && at + bytes <= GiB(4);) {
			u32 j;

			for (j = 0; j < navoid; j++)
				if (ranges_overlap(at, at + bytes,
						   avoid[j].start, avoid[j].end))
					break;
			if (j == navoid)
				return at;
			at = ALIGN_UP(avoid[j].end, PAGE_SIZE);
		}
	}
	return 0;
}

bool page_alloc_init(const struct boot_info *bi, u64 extra_start,
		     u64 extra_end, const char **error)
{
	struct range avoid[BOOT_MAX_MODULES + 4];
	u32 navoid = 0;

	for (u32 i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == MB2_MEM_AVAILABLE)
			usable_top = MAX(usable_top,
					 bi->mmap[i].base + bi->mmap[i].length);
	usable_top = MIN(usable_top, PAGING_MAX_PHYS);
	if (!usable_top) {
		*error = "the memory map has no usable RAM";
		return false;
	}
	avoid[navoid++] = (struct range){ 0, MiB(1) };
	avoid[navoid++] = (struct range){ (u64)(uintptr_t)__image_start,
					  (u64)(uintptr_t)__image_end };
	avoid[navoid++] = (struct range){ bi->mbi_start, bi->mbi_end };
	avoid[navoid++] = (struct range){ extra_start, extra_end };
	for (u32 i = 0; i < bi->module_count; i++)
		avoid[navoid++] = (struct range){ bi->modules[i].start,
						  bi->modules[i].end };

	u64 frames = usable_top / PAGE_SIZE;
	u64 bytes = ALIGN_UP(pmem_bitmap_bytes(frames), PAGE_SIZE);
	u64 home = find_bitmap_home(bi, bytes, avoid, navoid);

	if (!home) {
		*error = "no room below 4 GiB for the page allocator's bitmap";
		return false;
	}
	pmem_init(&pm, (void *)(uintptr_t)home, frames);
	for (u32 i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == MB2_MEM_AVAILABLE)
			pmem_add_free(&pm, bi->mmap[i].base, bi->mmap[i].length);
	for (u32 i = 0; i < navoid; i++)
		pmem_reserve(&pm, avoid[i].start, avoid[i].end - avoid[i].start);
	pmem_reserve(&pm, home, bytes);
	return true;
}

u64 page_alloc(u64 count)
{
	return page_alloc_aligned(count, 1);
}

u64 page_alloc_aligned(u64 count, u64 align)
{
	spin_lock(&pm_lock);
	u64 phys = pmem_alloc(&pm, count, align);

	spin_unlock(&pm_lock);
	if (phys)
		memset((void *)(uintptr_t)phys, 0, count * PAGE_SIZE);
	return phys;
}

u64 page_alloc_one(void)
{
	return page_alloc(1);
}

void page_free(u64 phys, u64 count)
{
	spin_lock(&pm_lock);
	bool ok = pmem_free(&pm, phys, count);

	spin_unlock(&pm_lock);
	BUG_ON(!ok);
}

u64 page_alloc_free_pages(void)
{
	return pm.free_frames;
}

u64 page_alloc_top(void)
{
	return usable_top;
}

u64 stack_alloc(u64 size, u64 *guard)
{
	u64 pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	u64 base = page_alloc(pages + 1);

	if (!base)
		return 0;
	if (!paging_unmap_page(base, page_alloc_one)) {
		page_free(base, pages + 1);
		return 0;
	}
	*guard = base;
	return base + (pages + 1) * PAGE_SIZE;
}
