#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/paging.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PD_POOL 24 /* 1 GiB each: [0, 4 GiB), more memory, probes */

static u64 pml4[512] __aligned(4096);
static u64 pdpt[512] __aligned(4096);
static u64 pd_pool[PD_POOL][512] __aligned(4096);
static unsigned pd_used;
static u64 mem_top;
static unsigned phys_bits;

/* The size of the page that maps @va in the tables at @cr3, and whether it
 * maps it to the same physical address; 0 when not present. */
static u64 boot_lookup(u64 cr3, u64 va, bool *identity)
{
	u64 *table = (u64 *)(uintptr_t)(cr3 & PTE_ADDR);
	u64 size = 1ull << 39;

	for (int shift = 39; shift >= 12; shift -= 9) {
		u64 e = table[(va >> shift) & 511];

		size = 1ull << shift;
		if (!(e & PTE_P))
			return 0;
		if (shift == 12 || (shift <= 30 && (e & PTE_PS))) {
			u64 base = e & PTE_ADDR & ~(size - 1);

			*identity = base == (va & ~(size - 1));
			return size;
		}
		table = (u64 *)(uintptr_t)(e & PTE_ADDR);
	}
	return 0;
}

static u64 boot_identity_end(u64 cr3)
{
	u64 addr = 0;

	while (addr < (1ull << 39)) {
		bool identity = false;
		u64 size = boot_lookup(cr3, addr, &identity);

		if (!size || !identity)
			break;
		addr = (addr & ~(size - 1)) + size;
	}
	return addr;
}

bool paging_map_2m(u64 addr)
{
	addr &= ~(LARGE_PAGE_SIZE - 1);
	if (addr >> 39 || addr >> phys_bits)
		return false;
	u64 *e = &pdpt[addr >> 30];

	if (!(*e & PTE_P)) {
		if (pd_used == PD_POOL)
			return false;
		*e = (u64)(uintptr_t)pd_pool[pd_used++] | PTE_P | PTE_RW |
		     PTE_US;
	}
	u64 *pd = (u64 *)(uintptr_t)(*e & PTE_ADDR);

	pd[(addr >> 21) & 511] = addr | PTE_P | PTE_RW | PTE_US | PTE_PS;
	return true;
}

void paging_init(void)
{
	struct cpuid_regs r = cpuid(0x80000000, 0);

	phys_bits = 36;
	if (r.eax >= 0x80000008) {
		unsigned bits = cpuid(0x80000008, 0).eax & 0xff;

		if (bits >= 32 && bits <= 52)
			phys_bits = bits;
	}
	mem_top = boot_identity_end(read_cr3());
	pml4[0] = (u64)(uintptr_t)pdpt | PTE_P | PTE_RW | PTE_US;
	u64 end = MAX(GiB(4), ALIGN_UP(mem_top, LARGE_PAGE_SIZE));

	for (u64 a = 0; a < end; a += LARGE_PAGE_SIZE)
		if (!paging_map_2m(a))
			break;
	paging_load();
}

void paging_load(void)
{
	write_cr3((u64)(uintptr_t)pml4);
}

u64 paging_mem_top(void)
{
	return mem_top;
}

unsigned paging_phys_bits(void)
{
	return phys_bits;
}
