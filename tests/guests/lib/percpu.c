#include "tests/guests/lib/percpu.h"

struct rt_vcpu rt_vcpus[RT_MAX_VCPUS];
u8 rt_stacks[RT_MAX_VCPUS][RT_STACK_SIZE] __aligned(4096);
u8 rt_user_stacks[RT_MAX_VCPUS][RT_USER_STACK_SIZE] __aligned(4096);
unsigned rt_nr_vcpus;

int rt_index_from_sp(u64 sp)
{
	u64 base = (u64)(uintptr_t)rt_stacks;

	if (sp <= base || sp > base + sizeof(rt_stacks))
		return -1;
	/* sp == top of a stack belongs to that stack, not the next one */
	return (int)((sp - base - 1) / RT_STACK_SIZE);
}

unsigned this_vcpu(void)
{
	u64 sp;

	asm volatile("mov %%rsp, %0" : "=r"(sp));
	return (unsigned)rt_index_from_sp(sp);
}
