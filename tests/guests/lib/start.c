/* Per-vCPU start-up, from entry.S: vCPU 0 builds the shared descriptor
 * tables, every vCPU loads them, then runs the guest. */
#include "tests/guests/lib/rt.h"
#include "tests/guests/lib/desc.h"
#include "tests/guests/lib/options.h"

void rt_cpu_start(u64 index, u64 count, const char *cmdline);

static u32 rt_tables_ready; /* written once by vCPU 0 */

void rt_cpu_start(u64 index, u64 count, const char *cmdline)
{
	if (index == 0) {
		if (cmdline)
			rt_cmdline = cmdline;
		rt_nr_vcpus = (unsigned)MIN(MAX(count, 1), RT_MAX_VCPUS);
		gdt_init(rt_nr_vcpus);
		idt_init();
		__atomic_store_n(&rt_tables_ready, 1, __ATOMIC_RELEASE);
	} else {
		while (!__atomic_load_n(&rt_tables_ready, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	gdt_load((unsigned)index);
	idt_load();
	lapic_enable();
	if (index == 0 && count > RT_MAX_VCPUS)
		gprintf("%s: only %u of %lu vcpus used\n", guest_name,
			RT_MAX_VCPUS, count);
	if (index < rt_nr_vcpus)
		guest_main((unsigned)index, rt_nr_vcpus);
}
