/* Multiboot2 boot information (MBI) parsing.
 *
 * Pure code: no hardware access, so the same file builds into the host unit
 * tests. The parser never trusts the MBI: every tag is bounds-checked against
 * the MBI's total size, and anything malformed is reported through
 * boot_info.error (a static string) instead of faulting.
 */
#ifndef HOLDFAST_MULTIBOOT2_H
#define HOLDFAST_MULTIBOOT2_H

#include "lib/types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tag types we read (Multiboot2 specification, section 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_BOOTLOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_EFI64 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17

/* Memory map entry types, shared by the multiboot2 map and our own view. */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED 2
#define MB2_MEM_ACPI_RECLAIMABLE 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BADRAM 5

#define BOOT_MAX_MMAP 128
#define BOOT_MAX_MODULES 32

struct boot_mem_range {
	u64 base;
	u64 length;
	u32 type; /* MB2_MEM_* */
};

struct boot_module {
	u64 start; /* physical, inclusive */
	u64 end;   /* physical, exclusive */
	const char *string; /* points into the MBI; NUL-terminated (checked) */
};

struct boot_info {
	u64 mbi_start, mbi_end; /* physical range of the MBI itself */
	const char *cmdline;    /* "" when the tag is absent */
	const char *bootloader; /* NULL when absent */

	struct boot_mem_range mmap[BOOT_MAX_MMAP];
	u32 mmap_count;
	bool mmap_truncated; /* more entries than BOOT_MAX_MMAP */

	struct boot_module modules[BOOT_MAX_MODULES];
	u32 module_count;
	bool modules_truncated;

	/* A copy of the RSDP bytes from tag 15 (preferred) or tag 14. */
	u8 rsdp[36];
	u32 rsdp_len; /* 0: no ACPI tag; 20: ACPI 1.0 RSDP; 36: ACPI 2.0+ */

	bool has_efi_mmap;
	u32 efi_mmap_desc_size, efi_mmap_desc_version;
	u32 efi_mmap_count;
	u64 efi_system_table; /* 0 when absent */

	u32 mem_lower_kib, mem_upper_kib; /* basic meminfo; 0 when absent */

	const char *error; /* NULL when the MBI parsed cleanly */
	u32 error_offset;  /* byte offset of the offending tag in the MBI */
};

/*
 * Parse the MBI at @mbi (physical address @mbi_phys, identity-mapped or a
 * host buffer in tests). @limit is the most bytes the caller allows the MBI
 * to claim. Returns true on success; on failure @out->error says why, and
 * fields filled before the error stay valid.
 */
bool mb2_parse(const void *mbi, u64 mbi_phys, u32 limit, struct boot_info *out);

#endif
