#include "kernel/percpu.h"

struct percpu percpu_area[MAX_CPUS];
u32 cpus_online;

void percpu_install(struct percpu *pc)
{
	pc->self = pc;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)pc);
}
