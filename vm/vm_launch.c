#include "vm/vm_launch.h"
#include "kernel/console.h"
#include "kernel/page_alloc.h"
#include "kernel/percpu.h"
#include "vm/vm.h"
#include "sched/hv/vsched.h"
#include "kernel/options.h"
#include "arch/x86/uart16550.h"
#include "arch/x86/lapic.h"

static void config_error(void *ctx, const char *message)
{
	(void)ctx;
	pr_err("holdfast: error: %s; vm not started", message);
}

/*
 * sched=none: every vCPU owns a physical CPU. This is the one place that
 * placement lives: it hands out CPUs in order. Returns
 * false, with a message, when fewer than @vcpus are left; otherwise fills
 * @cpus and advances @next_cpu.
 */
static bool vm_place_vcpus(const struct vm_config *cfg, u32 *next_cpu,
			   u32 cpus[VM_MAX_VCPUS])
{
	u32 cpu = *next_cpu;

	for (u32 i = 0; i < cfg->vcpus; i++) {
		while (cpu < MAX_CPUS && !(percpu_area[cpu].online &&
					   percpu_area[cpu].virt_ready))
			cpu++;
		if (cpu >= MAX_CPUS) {
			pr_err("holdfast: error: vm %s: needs %u physical CPUs of its own and %u are left (sched=none gives each vCPU a CPU; sched=credit shares them); vm not started",
			       cfg->name, cfg->vcpus, i);
			return false;
		}
		cpus[i] = cpu++;
	}
	*next_cpu = cpu;
	return true;
}

/* serial=com1|com2: the port must be neither the hypervisor's console nor
 * another VM's. */
static bool vm_claim_serial(const struct vm_config *cfg)
{
	static u16 claimed[VM_MAX_VMS];
	static u32 nclaimed;

	if (!cfg->serial_port)
		return true;
	if (cfg->serial_port == hv_options.console.port) {
		pr_err("holdfast: error: vm %s: option serial: that port is the hypervisor console; vm not started",
		       cfg->name);
		return false;
	}
	for (u32 i = 0; i < nclaimed; i++) {
		if (claimed[i] == cfg->serial_port) {
			pr_err("holdfast: error: vm %s: option serial: that port belongs to another VM; vm not started",
			       cfg->name);
			return false;
		}
	}
	claimed[nclaimed++] = cfg->serial_port;
	uart_init(cfg->serial_port, 115200);
	return true;
}

/* Every pin= set must name a CPU that can run guests, or that vCPU would
 * wait forever. */
static bool vm_pin_usable(const struct vm_config *cfg)
{
	for (u32 set = 0; set < cfg->pin_sets; set++) {
		bool usable = false;

		for (u32 i = 0; i < MAX_CPUS && !usable; i++)
			usable = (cfg->pin[set][i / 64] >> (i % 64) & 1) &&
				 percpu_area[i].online &&
				 percpu_area[i].virt_ready;
		if (!usable) {
			pr_err("holdfast: error: vm %s: option pin: none of the CPUs of set %u is online with virtualization; vm not started",
			       cfg->name, set + 1);
			return false;
		}
	}
	return true;
}

u32 vms_launch(const struct boot_info *bi, bool virt_ok)
{
	static struct vm_config_set configs;
	bool scheduled = virt_ok && hv_options.sched && vsched_init();
	struct vm_config_limits limits = {
		/* One-to-one placement needs a CPU per vCPU; the scheduler
		 * over-commits. */
		.max_vcpus = scheduled ? VM_MAX_VCPUS : MIN(VM_MAX_VCPUS, cpus_online),
		.max_memory = ALIGN_DOWN(page_alloc_free_pages() * PAGE_SIZE,
					 LARGE_PAGE_SIZE),
	};
	u32 next_cpu = 0, started = 0;

	if (!bi->module_count)
		return 0;
	vm_config_parse(bi->modules, bi->module_count, &limits, &configs,
			config_error, NULL);
	for (u32 i = 0; i < configs.count; i++) {
		const struct vm_config *cfg = &configs.vms[i];
		struct vm *vm;

		if (cfg->bad)
			continue;
		if (!virt_ok) {
			pr_err("holdfast: error: vm %s: no usable hardware virtualization; vm not started",
			       cfg->name);
			continue;
		}
		u32 cpus[VM_MAX_VCPUS], placed_from = next_cpu;

		if (scheduled ? !vm_pin_usable(cfg) :
				!vm_place_vcpus(cfg, &next_cpu, cpus))
			continue;
		vm = vm_claim_serial(cfg) ? vm_create(cfg, vm_count, bi->modules) : NULL;
		if (!vm) {
			next_cpu = placed_from; /* its CPUs go to the next VM */
			continue;
		}
		if (scheduled) {
			vsched_add_vm(vm);
			pr_info("holdfast: vm %s: %u vCPUs, weight %u, cap %u%%, %lu MiB",
				vm->name, vm->nvcpus, cfg->weight, cfg->cap,
				vm->memory >> 20);
		} else {
			for (u32 c = 0; c < vm->nvcpus; c++)
				vm->vcpus[c]->pcpu = cpus[c];
			pr_info("holdfast: vm %s: %u vCPUs on CPUs %u-%u, %lu MiB",
				vm->name, vm->nvcpus, vm->vcpus[0]->pcpu,
				vm->vcpus[vm->nvcpus - 1]->pcpu, vm->memory >> 20);
		}
		vms[vm_count++] = vm;
		started++;
	}
	for (u32 i = 0; i < vm_count; i++)
		vm_start(vms[i]);
	if (scheduled) /* every CPU leaves its one-to-one loop for the scheduler's */
		for (u32 i = 0; i < MAX_CPUS; i++)
			if (percpu_area[i].online && &percpu_area[i] != this_cpu())
				lapic_send_ipi(percpu_area[i].apic_id, VEC_KICK);
	return started;
}
