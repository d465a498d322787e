/*
 * ELF test guests start in 64-bit mode on an identity map of their RAM
 * that Holdfast builds in the top 1 MiB of it (the boot area):
 *   +0      PML4        +4 KiB  PDPT       +8 KiB  GDT, then at +8.25 KiB
 *   the guest command line (NUL-terminated, RDX points at it)
 *   +12 KiB one page directory per GiB (2 MiB pages)
 *   stacks: 16 KiB per vCPU, downward from the top of RAM.
 * tests/guests/ENTRY_STATE.md is the contract; keep them in step.
 */
#include "vm/vm_boot.h"
#include "vm/elf_loader.h"
#include "lib/string.h"

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define GDT_CODE64_SEL 0x08
#define GDT_DATA_SEL 0x10

#define CR4_PAE_OSFXSR_OSXMMEXCPT 0x620ull
#define CMDLINE_OFFSET (2 * PAGE_SIZE + 256)
_Static_assert(256 + VM_CMDLINE_MAX <= PAGE_SIZE, "command line fits its page");

static bool write_cb(void *ctx, u64 gpa, const void *src, u64 len)
{
	return vm_write_gpa(ctx, gpa, src, len);
}

static bool write_u64(struct vm *vm, u64 gpa, u64 val)
{
	return vm_write_gpa(vm, gpa, &val, sizeof(val));
}

/* The identity map and GDT; returns false if they do not fit. */
static bool build_boot_area(struct vm *vm, u64 base)
{
	u64 pml4 = base, pdpt = base + PAGE_SIZE, gdt = base + 2 * PAGE_SIZE;
	u64 pds = base + 3 * PAGE_SIZE;
	u64 gib = ALIGN_UP(vm->memory, GiB(1)) / GiB(1);
	static const u64 gdt_entries[] = { 0, 0x00af9b000000ffffull,
					   0x00cf93000000ffffull };

	if (!write_u64(vm, pml4, pdpt | PTE_P | PTE_W))
		return false;
	for (u64 g = 0; g < gib; g++) {
		u64 pd = pds + g * PAGE_SIZE;

		if (!write_u64(vm, pdpt + g * 8, pd | PTE_P | PTE_W))
			return false;
		for (u64 i = 0; i < 512; i++) {
			u64 addr = g * GiB(1) + i * LARGE_PAGE_SIZE;

			if (addr >= vm->memory)
				break;
			if (!write_u64(vm, pd + i * 8, addr | PTE_P | PTE_W | PTE_PS))
				return false;
		}
	}
	return vm_write_gpa(vm, gdt, gdt_entries, sizeof(gdt_entries));
}

static void set_vcpu_entry_state(struct vcpu *v, u64 base, u64 entry)
{
	const struct long_mode_entry e = {
		.code_sel = GDT_CODE64_SEL, .data_sel = GDT_DATA_SEL,
		.gdt_base = base + 2 * PAGE_SIZE, .gdt_limit = 3 * 8 - 1,
		.cr3 = base, .cr4 = CR4_PAE_OSFXSR_OSXMMEXCPT, .rip = entry,
	};
	struct vm *vm = v->vm;

	vcpu_enter_long_mode(v, &e);
	v->gpr[GPR_RSP] = vm->memory - (u64)v->index * VM_ELF_STACK_SIZE;
	v->gpr[GPR_RDI] = v->index;
	v->gpr[GPR_RSI] = vm->nvcpus;
	v->gpr[GPR_RDX] = base + CMDLINE_OFFSET;
}

static bool vm_boot_elf_image(struct vm *vm, const struct boot_module *mod,
			const char *cmdline, const char **error)
{
	u64 base = vm->memory - VM_BOOT_AREA_SIZE;
	u64 tables = (3 + ALIGN_UP(vm->memory, GiB(1)) / GiB(1)) * PAGE_SIZE;
	u64 entry;

	if (tables + (u64)vm->nvcpus * VM_ELF_STACK_SIZE > VM_BOOT_AREA_SIZE) {
		*error = "too many vCPUs or too much memory for an ELF guest's 1 MiB boot area";
		return false;
	}
	if (!elf_load((const void *)(uintptr_t)mod->start, mod->end - mod->start,
		      VM_ELF_LOAD_MIN, base, write_cb, vm, &entry, error))
		return false;
	if (!build_boot_area(vm, base) ||
	    !vm_write_gpa(vm, base + CMDLINE_OFFSET, cmdline, strlen(cmdline) + 1)) {
		*error = "cannot write its boot area";
		return false;
	}
	for (u32 i = 0; i < vm->nvcpus; i++)
		set_vcpu_entry_state(vm->vcpus[i], base, entry);
	return true;
}

bool vm_boot_elf(struct vm *vm, const struct vm_config *cfg,
		 const struct boot_module *mods, const char **error)
{
	return vm_boot_elf_image(vm, &mods[cfg->elf_module], cfg->guest_cmdline,
				 error);
}
