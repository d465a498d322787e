/* Boot CPU start-up: from the multiboot2 hand-off to every CPU online. */
#include "kernel/console.h"
#include "kernel/multiboot2.h"
#include "kernel/options.h"
#include "kernel/page_alloc.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/selftest.h"
#include "kernel/shutdown.h"
#include "kernel/tick.h"
#include "vm/vm_launch.h"
#include "vm/console_input.h"
#include "sched/hv/vsched.h"
#include "arch/x86/acpi.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"
#include "arch/x86/virt.h"

#define MBI_MAX_BYTES MiB(1)

/* Large: keep them off the 16 KiB boot stack. */
static struct boot_info boot_info;
static struct acpi_info acpi_info;

void kernel_main(u32 magic, u64 mbi_phys);

/* An unrecoverable boot problem that is not a hypervisor bug: say what it
 * is and stop (no register dump: nothing faulted). */
static __noreturn void boot_fail(const char *what, const char *detail)
{
	pr_err("holdfast: error: %s: %s; cannot continue", what, detail);
	hv_debug_exit(EXIT_CODE_FAILURE);
	cpu_halt_forever();
}

static const void *acpi_map_identity(u64 phys, u64 len, void *ctx)
{
	(void)ctx;
	if (!phys || phys + len < phys || phys + len > PAGING_MAX_PHYS)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

/* Lowest free page below 640 KiB for the AP trampoline (a SIPI vector names
 * a page below 1 MiB), clear of the MBI and the modules, which UEFI GRUB puts
 * down there too. */
static u64 find_trampoline_page(const struct boot_info *bi)
{
	for (u64 page = PAGE_SIZE; page < KiB(640); page += PAGE_SIZE) {
		bool usable = false;

		for (u32 i = 0; i < bi->mmap_count; i++) {
			const struct boot_mem_range *m = &bi->mmap[i];

			if (m->type == MB2_MEM_AVAILABLE && m->base <= page &&
			    page + PAGE_SIZE <= m->base + m->length)
				usable = true;
		}
		if (page < bi->mbi_end && bi->mbi_start < page + PAGE_SIZE)
			usable = false;
		for (u32 i = 0; i < bi->module_count; i++)
			if (page < bi->modules[i].end &&
			    bi->modules[i].start < page + PAGE_SIZE)
				usable = false;
		if (usable)
			return page;
	}
	return 0;
}

static void memory_init(u64 trampoline)
{
	const char *error;

	if (!page_alloc_init(&boot_info, trampoline, trampoline + PAGE_SIZE,
			     &error))
		boot_fail("memory", error);
	u64 mapped = paging_map_identity(page_alloc_top(), page_alloc_one);

	if (mapped < page_alloc_top())
		pr_warn("holdfast: warning: RAM above %lu MiB is not mapped and stays unused",
			mapped >> 20);
	smp_guard_boot_stacks();
	pr_info("holdfast: memory: %lu MiB up to %lx, %lu MiB free",
		page_alloc_top() >> 20, page_alloc_top(),
		(page_alloc_free_pages() * PAGE_SIZE) >> 20);
}

/* Returns the number of CPUs the firmware lists as enabled. */
static u32 acpi_init(void)
{
	const char *error;

	if (!boot_info.rsdp_len) {
		pr_err("holdfast: error: the boot loader passed no ACPI RSDP; running on the boot CPU only");
		return 1;
	}
	if (!acpi_parse(boot_info.rsdp, boot_info.rsdp_len, 0,
			acpi_map_identity, NULL, &acpi_info, &error)) {
		pr_err("holdfast: error: ACPI: %s; running on the boot CPU only",
		       error);
		return 1;
	}
	for (u32 i = 0; i < acpi_info.warning_count; i++)
		pr_warn("holdfast: warning: ACPI: %s", acpi_info.warnings[i]);
	pr_info("holdfast: ACPI %s (revision %u): %u CPUs enabled, %u IOAPICs, HPET %s, PM timer %s",
		acpi_info.root_is_xsdt ? "XSDT" : "RSDT", acpi_info.revision,
		acpi_info.cpus_enabled, acpi_info.ioapic_count,
		acpi_info.has_hpet ? "yes" : "no",
		acpi_info.pm_timer_port ? "yes" : "no");
	if (!acpi_info.has_madt) {
		pr_err("holdfast: error: ACPI has no valid MADT; running on the boot CPU only");
		return 1;
	}
	return acpi_info.cpus_enabled;
}

static void timers_init(void)
{
	const char *reference, *error;

	if (!timer_calibrate(acpi_info.has_hpet ? acpi_info.hpet_address : 0,
			     &reference, &error))
		boot_fail("timers", error);
	pr_info("holdfast: TSC %lu kHz, LAPIC timer %lu kHz (reference: %s), %s mode",
		tsc_hz / 1000, lapic_timer_hz / 1000, reference,
		lapic_is_x2apic() ? "x2APIC" : "xAPIC");
	smp_start_local_timer();
}

/* Hardware virtualization on the boot CPU; the APs enable it as they come
 * up. Without it the hypervisor still runs, with no VMs. */
static bool virt_probe(void)
{
	const char *why;

	if (!virt_init(&why)) {
		pr_err("holdfast: error: %s; no VMs can run", why);
		return false;
	}
	this_cpu()->virt_ready = true;
	pr_info("holdfast: hardware virtualization: %s", virt_backend_name());
	return true;
}

void kernel_main(u32 magic, u64 mbi_phys)
{
	bool mbi_ok;

	timer_mark_boot();
	smp_init_boot_cpu();
	vsched_irq_init();
	mbi_ok = magic == MB2_BOOTLOADER_MAGIC &&
		 mb2_parse((const void *)(uintptr_t)mbi_phys, mbi_phys,
			   MBI_MAX_BYTES, &boot_info);
	if (!boot_info.cmdline)
		boot_info.cmdline = "";
	options_parse_console(boot_info.cmdline);
	console_init(&hv_options.console);
	pr_info("holdfast: starting (boot loader: %s)",
		boot_info.bootloader ? boot_info.bootloader : "unknown");
	if (magic != MB2_BOOTLOADER_MAGIC)
		boot_fail("boot", "not started by a multiboot2 boot loader");
	if (!mbi_ok)
		boot_fail("multiboot2 information", boot_info.error);
	pr_info("holdfast: command line: %s", boot_info.cmdline);
	options_parse(boot_info.cmdline);
	console_set_level(hv_options.loglevel);

	u64 trampoline = find_trampoline_page(&boot_info);

	if (!trampoline)
		boot_fail("memory", "no free page below 640 KiB for the AP trampoline");
	memory_init(trampoline);
	u32 enabled = acpi_init();

	timers_init();
	bool virt_ok = virt_probe();

	irq_enable();
	u32 online = smp_boot_aps(&acpi_info, trampoline, hv_options.max_cpus,
				  cpu_idle_loop);

	pr_info("holdfast: %u of %u CPUs online", online, enabled);
	selftest_cpus(online);
	selftest_run(hv_options.selftest, online);

	if (!vms_launch(&boot_info, virt_ok)) {
		pr_info("holdfast: no VMs running; idle");
		hv_debug_exit(EXIT_CODE_SUCCESS);
	}
	host_tick_poll_console(console_input_pull);
	cpu_idle_loop();
}
