/*
 * hostile: a 1-vCPU guest that tries to harm Holdfast and the other VMs.
 * Every probe runs under the fault-catching runtime, so the expected
 * answers (#GP, #UD, all ones, -EPERM) only count as faults. It prints one
 * "hostile: CLASS done (N probes, F faults)" line per class, then
 * "hostile: rep-movs next" before string moves into unclaimed guest-
 * physical space (Holdfast may stop the VM there), then
 * "hostile: triple fault next" before a deliberate triple fault, which
 * must stop this VM and no other.
 */
#include "tests/guests/hostile.h"

const char guest_name[] = "hostile";

struct rep_args {
	u8 *mmio;
	u8 *ram;
};

/* String moves: not a MOV form, so not emulated as MMIO. */
static void rep_probe(void *arg)
{
	struct rep_args *a = arg;
	void *d = a->mmio, *s;
	u64 n = 64;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x5a) : "memory");
	d = a->ram;
	s = a->mmio;
	n = 64;
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	d = a->mmio;
	s = a->ram;
	n = 64;
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static void hostile_rep_movs(void)
{
	u64 target = ALIGN_UP(paging_mem_top(), LARGE_PAGE_SIZE);
	struct rep_args a = { (u8 *)(uintptr_t)target, insn_probe_scratch };

	gprintf("hostile: rep-movs next\n");
	if (target >= GiB(4)) {
		gprintf("hostile: rep-movs skipped, memory ends at 0x%lx\n",
			paging_mem_top());
		return;
	}
	int vec = try_call(rep_probe, &a);

	gprintf("hostile: rep-movs at 0x%lx returned, vector %d\n", target,
		vec);
}

static void triple_fault(void)
{
	gprintf("hostile: triple fault next\n");
	irq_disable();
	idt_load_empty();
	asm volatile("int3" ::: "memory");
	gprintf("hostile: FAIL still running after a triple fault\n");
}

void guest_main(unsigned index, unsigned count)
{
	if (index != 0)
		return;
	paging_init();
	gprintf("hostile: %u vcpus, memory 0x%lx, %u physical address bits\n",
		count, paging_mem_top(), paging_phys_bits());
	/* triple=1: die at once, to show what a triple fault leaves. */
	if (rt_option_u64("triple", 0)) {
		triple_fault();
		return;
	}
	hostile_memory();
	hostile_msr();
	hostile_io();
	hostile_hypercall();
	hostile_instructions();
	hostile_user();
	hostile_rep_movs();
	triple_fault();
}
