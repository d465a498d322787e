/*
 * Direct boot of a Linux bzImage through the 64-bit boot protocol
 * (Documentation/x86/boot.rst): no firmware. Guest-physical layout:
 *   0x7000  boot_params      0x8000  GDT (0x10 code, 0x18 data)
 *   0x9000  PML4, PDPT, 4 PDs: identity map of the low 4 GiB (2 MiB pages)
 *   0x20000 command line     0xe0000 ACPI tables (e820-reserved)
 *   16 MiB  the kernel       top of RAM: the initrd
 *   0xffff0 (the reset vector) a stub that writes the ACPI reset register,
 *           so a guest that reboots "through the BIOS" reboots the VM
 * RAM below 640 KiB stays usable: Linux puts its AP trampoline there.
 * The boot vCPU starts at startup_64; the others wait for a STARTUP IPI.
 */
#include "vm/vm_boot.h"
#include "vm/bzimage.h"
#include "vdev/guest_acpi.h"
#include "kernel/heap.h"
#include "lib/string.h"

#define BOOT_PARAMS_GPA 0x7000ull
#define GDT_GPA 0x8000ull
#define PML4_GPA 0x9000ull
#define CMDLINE_GPA 0x20000ull
#define ACPI_GPA 0xe0000ull
#define LOW_RAM_END 0x9fc00ull
#define KERNEL_MIN_GPA MiB(16)
#define LINUX_MAX_MEMORY GiB(3) /* below the LAPIC/IOAPIC hole */
#define RESET_VECTOR_GPA 0xffff0ull

/* mov $RESET_VALUE, %al; mov $RESET_PORT, %dx; out %al, %dx; hlt */
static const u8 reset_stub[] = {
	0xb0, GUEST_ACPI_RESET_VALUE,
	0xba, GUEST_ACPI_RESET_PORT & 0xff, GUEST_ACPI_RESET_PORT >> 8,
	0xee, 0xf4,
};

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define CS_SEL 0x10
#define DS_SEL 0x18

static bool write_u64(struct vm *vm, u64 gpa, u64 val)
{
	return vm_write_gpa(vm, gpa, &val, sizeof(val));
}

static bool build_entry_tables(struct vm *vm)
{
	static const u64 gdt[4] = { 0, 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
	u64 pdpt = PML4_GPA + PAGE_SIZE, pd = pdpt + PAGE_SIZE;
	bool ok = vm_write_gpa(vm, GDT_GPA, gdt, sizeof(gdt)) &&
		  write_u64(vm, PML4_GPA, pdpt | PTE_P | PTE_W);

	for (u64 g = 0; ok && g < 4; g++) {
		ok = write_u64(vm, pdpt + g * 8, (pd + g * PAGE_SIZE) | PTE_P | PTE_W);
		for (u64 i = 0; ok && i < 512; i++)
			ok = write_u64(vm, pd + g * PAGE_SIZE + i * 8,
				       (g * GiB(1) + i * LARGE_PAGE_SIZE) | PTE_P |
				       PTE_W | PTE_PS);
	}
	return ok;
}

static void set_entry_state(struct vcpu *v, u64 entry)
{
	const struct long_mode_entry e = {
		.code_sel = CS_SEL, .data_sel = DS_SEL,
		.gdt_base = GDT_GPA, .gdt_limit = 4 * 8 - 1,
		.cr3 = PML4_GPA, .cr4 = 0x20 /* PAE */, .rip = entry,
	};

	vcpu_enter_long_mode(v, &e);
	v->gpr[GPR_RSI] = BOOT_PARAMS_GPA; /* the boot protocol's zero page */
}

static u32 build_e820(const struct vm *vm, struct e820_entry *e)
{
	e[0] = (struct e820_entry){ 0, LOW_RAM_END, E820_RAM };
	e[1] = (struct e820_entry){ LOW_RAM_END, MiB(1) - LOW_RAM_END, E820_RESERVED };
	e[2] = (struct e820_entry){ MiB(1), vm->memory - MiB(1), E820_RAM };
	return 3;
}

/* Scratch pages for the tables built on the host side before copying. */
struct linux_boot_scratch {
	u8 acpi[GUEST_ACPI_MAX_SIZE];
	u8 bp[BOOT_PARAMS_SIZE];
};

static bool vm_boot_linux_with(struct vm *vm, const struct vm_config *cfg,
			       const struct boot_module *mods,
			       struct linux_boot_scratch *scratch,
			       const char **error);

bool vm_boot_linux(struct vm *vm, const struct vm_config *cfg,
		   const struct boot_module *mods, const char **error)
{
	struct linux_boot_scratch *scratch = kzalloc(sizeof(*scratch));
	bool ok;

	if (!scratch) {
		*error = "out of host memory";
		return false;
	}
	ok = vm_boot_linux_with(vm, cfg, mods, scratch, error);
	kfree(scratch);
	return ok;
}

static bool vm_boot_linux_with(struct vm *vm, const struct vm_config *cfg,
			       const struct boot_module *mods,
			       struct linux_boot_scratch *scratch,
			       const char **error)
{
	u8 *acpi = scratch->acpi, *bp = scratch->bp;
	const struct boot_module *k = &mods[cfg->kernel_module];
	const struct boot_module *rd = cfg->initrd_module >= 0 ?
				       &mods[cfg->initrd_module] : NULL;
	const u8 *image = (const u8 *)(uintptr_t)k->start;
	struct bzimage_info info;
	struct e820_entry e820[3];
	struct guest_acpi_config acfg = {
		.vcpus = vm->nvcpus, .lapic_base = VLAPIC_BASE_DEFAULT,
		.ioapic_base = VIOAPIC_BASE, .ioapic_id = VIOAPIC_ID,
	};
	u64 kernel_gpa, initrd_gpa = 0, initrd_size = 0;
	u32 cmdline_len = (u32)strlen(cfg->guest_cmdline);
	u32 acpi_len;

	if (vm->memory > LINUX_MAX_MEMORY) {
		*error = "memory: at most 3 GiB for a Linux guest (no RAM above the 4 GiB hole yet)";
		return false;
	}
	if (!bzimage_parse(image, k->end - k->start, &info, error))
		return false;
	if (cmdline_len > info.cmdline_size) {
		*error = "the guest command line is longer than the kernel accepts";
		return false;
	}
	kernel_gpa = ALIGN_UP(MAX(info.pref_address, KERNEL_MIN_GPA),
			      MAX(info.kernel_alignment, PAGE_SIZE));
	if (kernel_gpa + MAX(info.init_size, info.payload_size) > vm->memory) {
		*error = "memory: too small for the kernel";
		return false;
	}
	if (rd) {
		initrd_size = rd->end - rd->start;
		initrd_gpa = ALIGN_DOWN(MIN(vm->memory, (u64)info.initrd_addr_max + 1) -
					initrd_size, PAGE_SIZE);
		if (initrd_size >= vm->memory ||
		    initrd_gpa < kernel_gpa + info.init_size) {
			*error = "memory: too small for the kernel and the initrd";
			return false;
		}
	}
	acpi_len = guest_acpi_build(&acfg, acpi, GUEST_ACPI_MAX_SIZE, ACPI_GPA);
	if (!acpi_len) {
		*error = "cannot build its ACPI tables";
		return false;
	}
	struct boot_params_config bcfg = {
		.kernel_addr = kernel_gpa, .cmdline_gpa = CMDLINE_GPA,
		.cmdline_len = cmdline_len, .initrd_gpa = initrd_gpa,
		.initrd_size = initrd_size, .rsdp_gpa = ACPI_GPA,
		.e820 = e820, .e820_count = build_e820(vm, e820),
	};

	bzimage_build_boot_params(image, &info, &bcfg, bp);
	if (!vm_write_gpa(vm, kernel_gpa, image + info.payload_offset,
			  info.payload_size) ||
	    (rd && !vm_write_gpa(vm, initrd_gpa, (const void *)(uintptr_t)rd->start,
				 initrd_size)) ||
	    !vm_write_gpa(vm, CMDLINE_GPA, cfg->guest_cmdline, cmdline_len + 1) ||
	    !vm_write_gpa(vm, ACPI_GPA, acpi, acpi_len) ||
	    !vm_write_gpa(vm, BOOT_PARAMS_GPA, bp, BOOT_PARAMS_SIZE) ||
	    !vm_write_gpa(vm, RESET_VECTOR_GPA, reset_stub, sizeof(reset_stub)) ||
	    !build_entry_tables(vm)) {
		*error = "cannot write the kernel into guest memory";
		return false;
	}
	set_entry_state(vm->vcpus[0], kernel_gpa + 0x200); /* startup_64 */
	for (u32 i = 1; i < vm->nvcpus; i++)
		vcpu_enter_wait_for_sipi(vm->vcpus[i]);
	return true;
}
