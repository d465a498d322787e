/*
 * At a guest's triple fault: what the guest's own page tables say about
 * the addresses it died on (CR2, RIP, the IDT and GDT bases), walked by
 * Holdfast from the vCPU's CR3, CR4 and EFER, level by level, and the
 * present entries of the top-level table. If the walk finds a mapping
 * present where the guest faulted on it, the emulated CPU's walk was
 * wrong; if a level is not present, the dump shows which one, and the
 * top-level entries show whether the table itself was overwritten.
 */
#include "vm/fault_dump.h"
#include "kernel/console.h"
#include "vm/vm.h"

#define EFER_LMA (1ull << 10)
#define CR4_LA57 (1ull << 12)
#define PTE_PRESENT 1ull
#define PTE_LARGE (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

static const char *const level_names[] = { "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };

static void dump_walk(struct vcpu *v, const char *what, u64 gva, u64 cr3,
		      u32 levels)
{
	u64 table = cr3 & PTE_ADDR;

	pr_err("  walk of %s %lx (CR3 %lx, %u levels):", what, gva, cr3, levels);
	for (u32 level = levels; level >= 1; level--) {
		u32 index = (gva >> (12 + 9 * (level - 1))) & 511;
		u64 entry;

		if (!vm_read_gpa(v->vm, table + index * 8, &entry, sizeof(entry))) {
			pr_err("    %s[%u] at GPA %lx: outside guest RAM",
			       level_names[level - 1], index, table + index * 8);
			return;
		}
		pr_err("    %s[%u] at GPA %lx = %lx%s", level_names[level - 1],
		       index, table + index * 8, entry,
		       !(entry & PTE_PRESENT) ? " (not present)" :
		       (level == 2 || level == 3) && (entry & PTE_LARGE) ?
		       " (large page)" : "");
		if (!(entry & PTE_PRESENT) ||
		    ((level == 2 || level == 3) && (entry & PTE_LARGE)))
			return;
		table = entry & PTE_ADDR;
	}
}

/* The present top-level entries, four to a line. */
static void dump_top_level(struct vcpu *v, u64 cr3)
{
	u64 table = cr3 & PTE_ADDR, entries[4];
	u32 shown = 0, present = 0;
	u32 idx[4];

	for (u32 i = 0; i < 512; i++) {
		u64 e;

		if (!vm_read_gpa(v->vm, table + i * 8, &e, sizeof(e))) {
			pr_err("  top-level table at GPA %lx: outside guest RAM", table);
			return;
		}
		if (!(e & PTE_PRESENT))
			continue;
		present++;
		idx[shown] = i;
		entries[shown++] = e;
		if (shown == 4) {
			pr_err("    [%u]=%lx [%u]=%lx [%u]=%lx [%u]=%lx", idx[0],
			       entries[0], idx[1], entries[1], idx[2], entries[2],
			       idx[3], entries[3]);
			shown = 0;
		}
	}
	for (u32 i = 0; i < shown; i++)
		pr_err("    [%u]=%lx", idx[i], entries[i]);
	pr_err("  top-level table at GPA %lx: %u present entries", table, present);
}

void vcpu_dump_guest_walks(struct vcpu *v)
{
	u64 cr3 = vcpu_get_reg(v, VREG_CR3), cr4 = vcpu_get_reg(v, VREG_CR4);
	u32 levels = cr4 & CR4_LA57 ? 5 : 4;
	struct segment idtr, gdtr;

	if (!(vcpu_get_reg(v, VREG_EFER) & EFER_LMA)) {
		pr_err("  (not in long mode: no page walk dump)");
		return;
	}
	vcpu_get_seg(v, VSEG_IDTR, &idtr);
	vcpu_get_seg(v, VSEG_GDTR, &gdtr);
	dump_walk(v, "CR2", vcpu_get_reg(v, VREG_CR2), cr3, levels);
	dump_walk(v, "RIP", vcpu_get_reg(v, VREG_RIP), cr3, levels);
	dump_walk(v, "IDT", idtr.base, cr3, levels);
	dump_walk(v, "GDT", gdtr.base, cr3, levels);
	dump_top_level(v, cr3);
}
