#include "kernel/heap.h"
#include "kernel/page_alloc.h"
#include "kernel/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"

/* Every block starts with this header so kfree() knows where it belongs. */
struct block_header {
	u32 magic;
	u32 size_class; /* index into free lists, or LARGE */
	u64 pages;      /* for LARGE blocks */
};

struct free_block {
	struct free_block *next;
};

#define HEAP_MAGIC 0x48656170u /* "Heap" */
#define MIN_SHIFT 5            /* 32-byte blocks, header included */
#define MAX_SHIFT 11           /* 2 KiB blocks */
#define CLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define LARGE 0xffffffffu

static struct free_block *free_lists[CLASSES];
static struct spinlock heap_lock = SPINLOCK_INIT;

static bool heap_refill(u32 cls)
{
	u64 page = page_alloc_one();
	u64 block = 1ull << (cls + MIN_SHIFT);

	if (!page)
		return false;
	for (u64 off = 0; off + block <= PAGE_SIZE; off += block) {
		struct free_block *b = (void *)(uintptr_t)(page + off);

		b->next = free_lists[cls];
		free_lists[cls] = b;
	}
	return true;
}

void *kzalloc(u64 size)
{
	u64 total = size + sizeof(struct block_header);
	struct block_header *h;

	if (total > (1ull << MAX_SHIFT)) {
		u64 pages = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
		u64 phys = page_alloc(pages);

		if (!phys)
			return NULL;
		h = (void *)(uintptr_t)phys;
		*h = (struct block_header){ HEAP_MAGIC, LARGE, pages };
		return h + 1;
	}
	u32 cls = 0;

	while ((1ull << (cls + MIN_SHIFT)) < total)
		cls++;
	spin_lock(&heap_lock);
	if (!free_lists[cls] && !heap_refill(cls)) {
		spin_unlock(&heap_lock);
		return NULL;
	}
	h = (void *)free_lists[cls];
	free_lists[cls] = free_lists[cls]->next;
	spin_unlock(&heap_lock);
	memset(h, 0, 1ull << (cls + MIN_SHIFT));
	*h = (struct block_header){ HEAP_MAGIC, cls, 0 };
	return h + 1;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct block_header *h = (struct block_header *)p - 1;

	BUG_ON(h->magic != HEAP_MAGIC);
	h->magic = 0; /* catches a double free */
	if (h->size_class == LARGE) {
		page_free((u64)(uintptr_t)h, h->pages);
		return;
	}
	u32 cls = h->size_class; /* the free-list link overwrites the header */
	struct free_block *b = (void *)h;

	BUG_ON(cls >= CLASSES);
	spin_lock(&heap_lock);
	b->next = free_lists[cls];
	free_lists[cls] = b;
	spin_unlock(&heap_lock);
}
