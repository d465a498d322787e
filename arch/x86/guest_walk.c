/*
 * Guest page-table walks (see guest_walk.h).
 *
 * Every table entry is read through the caller's gpa_read_fn, so a guest
 * that points its tables outside RAM gets WALK_BAD_TABLE instead of the
 * hypervisor touching host memory. Physical addresses are masked to bits
 * 51:12 so that NX (bit 63) and the software-available bits never leak
 * into an address.
 */
#include "arch/x86/guest_walk.h"

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

#define PAE_CR3_MASK 0xffffffe0ull
#define PDE32_ADDR_MASK 0xfffff000ull
#define PDE32_4M_MASK 0xffc00000ull

static enum walk_status walk_read_entry64(u64 table, u32 index,
					  gpa_read_fn read, void *ctx, u64 *e)
{
	if (!read(ctx, table + index * 8ull, e, sizeof(*e)))
		return WALK_BAD_TABLE;
	if (!(*e & PTE_P))
		return WALK_NOT_PRESENT;
	return WALK_OK;
}

/*
 * Walk 64-bit entries from @level (5 = PML5 ... 1 = PT) down to the page.
 * PS makes a large page at level 3 (1 GiB, long mode only: PAE enters at
 * level 2) and level 2 (2 MiB); it is reserved above, so ignored there.
 */
static enum walk_status walk_table64(u64 table, int level, u64 gva,
				     gpa_read_fn read, void *ctx, u64 *gpa)
{
	enum walk_status st;
	u32 shift;
	u64 e, page_mask;

	for (; level >= 1; level--) {
		shift = 12 + 9 * (level - 1);
		st = walk_read_entry64(table, (gva >> shift) & 511, read, ctx,
				       &e);
		if (st)
			return st;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			page_mask = (1ull << shift) - 1;
			*gpa = (e & PTE_ADDR_MASK & ~page_mask) |
			       (gva & page_mask);
			return WALK_OK;
		}
		table = e & PTE_ADDR_MASK;
	}
	return WALK_NOT_PRESENT; /* not reached: level 1 always returns */
}

static enum walk_status walk_long(const struct guest_paging *p, u64 gva,
				  gpa_read_fn read, void *ctx, u64 *gpa)
{
	int levels = (p->cr4 & CR4_LA57) ? 5 : 4;
	u32 va_bits = 12 + 9 * levels;
	s64 sext = (s64)(gva << (64 - va_bits)) >> (64 - va_bits);

	/* A non-canonical address faults before any walk: no translation. */
	if ((u64)sext != gva)
		return WALK_NOT_PRESENT;
	return walk_table64(p->cr3 & PTE_ADDR_MASK, levels, gva, read, ctx,
			    gpa);
}

/* PAE: CR3 bits 31:5 point at four PDPTEs, indexed by gva bits 31:30. */
static enum walk_status walk_pae(const struct guest_paging *p, u32 gva,
				 gpa_read_fn read, void *ctx, u64 *gpa)
{
	enum walk_status st;
	u64 pdpte;

	st = walk_read_entry64(p->cr3 & PAE_CR3_MASK, gva >> 30, read, ctx,
			       &pdpte);
	if (st)
		return st;
	return walk_table64(pdpte & PTE_ADDR_MASK, 2, gva, read, ctx, gpa);
}

static enum walk_status walk_read_entry32(u64 table, u32 index,
					  gpa_read_fn read, void *ctx, u32 *e)
{
	if (!read(ctx, table + index * 4ull, e, sizeof(*e)))
		return WALK_BAD_TABLE;
	if (!(*e & PTE_P))
		return WALK_NOT_PRESENT;
	return WALK_OK;
}

/* 32-bit two-level paging; 4 MiB pages (with PSE-36 bits 39:32 from PDE
 * bits 20:13) only when CR4.PSE is set, otherwise PS is ignored. */
static enum walk_status walk_32(const struct guest_paging *p, u32 gva,
				gpa_read_fn read, void *ctx, u64 *gpa)
{
	enum walk_status st;
	u32 pde, pte;

	st = walk_read_entry32(p->cr3 & PDE32_ADDR_MASK, gva >> 22, read, ctx,
			       &pde);
	if (st)
		return st;
	if ((p->cr4 & CR4_PSE) && (pde & PTE_PS)) {
		*gpa = (pde & PDE32_4M_MASK) |
		       ((u64)((pde >> 13) & 0xff) << 32) |
		       (gva & ~PDE32_4M_MASK);
		return WALK_OK;
	}
	st = walk_read_entry32(pde & PDE32_ADDR_MASK, (gva >> 12) & 1023, read,
			       ctx, &pte);
	if (st)
		return st;
	*gpa = (pte & PDE32_ADDR_MASK) | (gva & 0xfff);
	return WALK_OK;
}

enum walk_status guest_walk(const struct guest_paging *p, u64 gva,
			    gpa_read_fn read, void *ctx, u64 *gpa)
{
	/* Outside long mode linear addresses are 32 bits wide. */
	if (!(p->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffull;
		return WALK_OK;
	}
	if (p->efer & EFER_LMA)
		return walk_long(p, gva, read, ctx, gpa);
	if (p->cr4 & CR4_PAE)
		return walk_pae(p, (u32)gva, read, ctx, gpa);
	return walk_32(p, (u32)gva, read, ctx, gpa);
}

u32 guest_read_virt(const struct guest_paging *p, u64 gva, void *buf,
		    u32 len, gpa_read_fn read, void *ctx)
{
	u8 *dst = buf;
	u32 done = 0, chunk;
	u64 gpa;

	/* Contiguous guest-virtual pages need not be contiguous in guest
	 * RAM, so each 4 KiB page is translated on its own. */
	while (done < len) {
		chunk = (u32)MIN((u64)(len - done),
				 PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		if (guest_walk(p, gva, read, ctx, &gpa) != WALK_OK)
			break;
		if (!read(ctx, gpa, dst + done, chunk))
			break;
		done += chunk;
		gva += chunk;
	}
	return done;
}
