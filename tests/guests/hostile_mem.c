/* Memory: MOV reads and writes of unclaimed guest-physical space, every
 * 16 MiB from the end of the VM's memory to 4 GiB, the usual chipset
 * addresses, and a few addresses above 4 GiB. Unclaimed MMIO must read all
 * ones and ignore writes. */
#include "tests/guests/hostile.h"

#define STRIDE MiB(16)
#define MAX_ODD_READS 4

struct mem_access {
	u64 addr;
	unsigned size;
	u64 val;
};

/* Explicit MOV forms, one size per call (Holdfast's decoder knows them). */
static void mem_write(void *arg)
{
	struct mem_access *m = arg;
	void *p = (void *)(uintptr_t)m->addr;

	switch (m->size) {
	case 1:
		asm volatile("movb %0, (%1)" : : "r"((u8)m->val), "r"(p)
			     : "memory");
		break;
	case 2:
		asm volatile("movw %0, (%1)" : : "r"((u16)m->val), "r"(p)
			     : "memory");
		break;
	case 4:
		asm volatile("movl %0, (%1)" : : "r"((u32)m->val), "r"(p)
			     : "memory");
		break;
	default:
		asm volatile("movq %0, (%1)" : : "r"(m->val), "r"(p)
			     : "memory");
		break;
	}
}

static void mem_read(void *arg)
{
	struct mem_access *m = arg;
	void *p = (void *)(uintptr_t)m->addr;
	u8 v8;
	u16 v16;
	u32 v32;

	switch (m->size) {
	case 1:
		asm volatile("movb (%1), %0" : "=r"(v8) : "r"(p) : "memory");
		m->val = v8;
		break;
	case 2:
		asm volatile("movw (%1), %0" : "=r"(v16) : "r"(p) : "memory");
		m->val = v16;
		break;
	case 4:
		asm volatile("movl (%1), %0" : "=r"(v32) : "r"(p) : "memory");
		m->val = v32;
		break;
	default:
		asm volatile("movq (%1), %0" : "=r"(m->val) : "r"(p)
			     : "memory");
		break;
	}
}

static void probe_address(struct probe_stats *st, u64 addr, u64 *rng,
			  unsigned *odd)
{
	static const unsigned sizes[] = { 4, 8, 1, 2 };
	struct mem_access m = {
		.addr = addr,
		.size = sizes[st->probes / 2 % ARRAY_SIZE(sizes)],
		.val = xorshift64(rng),
	};

	probe_count(st, try_call(mem_write, &m));
	m.val = 0;
	if (probe_count(st, try_call(mem_read, &m)) >= 0)
		return;
	u64 ones = m.size == 8 ? ~0ull : (1ull << (8 * m.size)) - 1;

	if (m.val != ones && (*odd)++ < MAX_ODD_READS)
		gprintf("hostile: memory read 0x%lx (%u bytes) at 0x%lx\n",
			m.val, m.size, addr);
}

void hostile_memory(void)
{
	static const u64 chipset[] = { 0xfee00000, 0xfec00000, 0xfed00000 };
	static const u64 high[] = { GiB(4), GiB(4) + STRIDE, GiB(8), GiB(64),
				    GiB(256) };
	struct probe_stats st = { .name = "memory" };
	u64 top = paging_mem_top(), rng = 0x6d656d6f7279ull;
	unsigned odd = 0;

	/* [top, 4 GiB) is mapped by paging_init() */
	if (top < GiB(4))
		probe_address(&st, top, &rng, &odd);
	for (u64 a = ALIGN_UP(top + 1, STRIDE); a < GiB(4); a += STRIDE)
		probe_address(&st, a, &rng, &odd);
	for (unsigned i = 0; i < ARRAY_SIZE(chipset); i++)
		if (chipset[i] >= top)
			probe_address(&st, chipset[i], &rng, &odd);
	for (unsigned i = 0; i < ARRAY_SIZE(high); i++)
		if (high[i] >= top && paging_map_2m(high[i]))
			probe_address(&st, high[i] + 0x1000, &rng, &odd);
	if (odd)
		gprintf("hostile: memory %u reads were not all ones\n", odd);
	probe_report(&st);
}
