#include "arch/x86/gpa_map.h"
#include "kernel/page_alloc.h"

#define ENTRIES 512
#define ADDR_MASK 0x000ffffffffff000ull
#define ENTRY_PRESENT_MASK 0x7 /* P/RW/US for NPT, R/W/X for EPT */
#define LARGE_BIT (1ull << 7)

static u64 *table_of(u64 entry)
{
	return (u64 *)(uintptr_t)(entry & ADDR_MASK);
}

bool gpa_map_init(struct gpa_map *m, const struct gpa_map_format *f)
{
	m->format = f;
	m->root = page_alloc_one();
	m->table_pages = m->root ? 1 : 0;
	return m->root != 0;
}

/* The table that @level's entry for @gpa points to, created on demand. */
static u64 *next_table(struct gpa_map *m, u64 *table, u64 gpa, int shift)
{
	u64 *e = &table[(gpa >> shift) & (ENTRIES - 1)];

	if (!(*e & ENTRY_PRESENT_MASK)) {
		u64 page = page_alloc_one();

		if (!page)
			return NULL;
		m->table_pages++;
		*e = page | m->format->table_bits;
	}
	return table_of(*e);
}

bool gpa_map_add(struct gpa_map *m, u64 gpa, u64 hpa, u64 size)
{
	for (u64 off = 0; off < size;) {
		u64 g = gpa + off, h = hpa + off;
		u64 *pdpt = next_table(m, table_of(m->root), g, 39);
		u64 *pd = pdpt ? next_table(m, pdpt, g, 30) : NULL;

		if (!pd)
			return false;
		if (!(g & (LARGE_PAGE_SIZE - 1)) && !(h & (LARGE_PAGE_SIZE - 1)) &&
		    size - off >= LARGE_PAGE_SIZE) {
			pd[(g >> 21) & (ENTRIES - 1)] = h | m->format->large_bits;
			off += LARGE_PAGE_SIZE;
			continue;
		}
		u64 *pt = next_table(m, pd, g, 21);

		if (!pt)
			return false;
		pt[(g >> 12) & (ENTRIES - 1)] = h | m->format->page_bits;
		off += PAGE_SIZE;
	}
	return true;
}

static void free_level(u64 *table, int level)
{
	for (int i = 0; level > 1 && i < ENTRIES; i++) {
		u64 e = table[i];

		/* Bit 7 marks a large leaf in both NPT and EPT entries. */
		if (!(e & ENTRY_PRESENT_MASK) || (level == 2 && (e & LARGE_BIT)))
			continue;
		free_level(table_of(e), level - 1);
	}
	page_free((u64)(uintptr_t)table, 1);
}

void gpa_map_destroy(struct gpa_map *m)
{
	if (m->root)
		free_level(table_of(m->root), 4);
	m->root = 0;
	m->table_pages = 0;
}
