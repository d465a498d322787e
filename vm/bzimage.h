/*
 * The Linux x86 boot protocol (Documentation/x86/boot.rst), 64-bit entry:
 * validating a bzImage and building its boot_params ("zero page").
 * Pure, host unit-tested.
 */
#ifndef HOLDFAST_BZIMAGE_H
#define HOLDFAST_BZIMAGE_H

#include "lib/types.h"

#define BZIMAGE_MIN_PROTOCOL 0x20c  /* xloadflags, 64-bit entry: 2.12 */
#define BOOT_PARAMS_SIZE 4096
#define E820_MAX_ENTRIES 128
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3

struct bzimage_info {
	u32 setup_size;      /* bytes of the real-mode part (setup_sects+1)*512 */
	u64 payload_offset;  /* file offset of the protected-mode kernel */
	u64 payload_size;
	u64 pref_address;    /* where the kernel prefers to run */
	u32 kernel_alignment;
	u64 init_size;       /* memory the kernel needs from its load address */
	u32 initrd_addr_max;
	bool initrd_above_4g;
	u16 protocol;
	u32 cmdline_size;    /* maximum command line length (without NUL) */
};

struct e820_entry {
	u64 addr, size;
	u32 type;
} __attribute__((packed));

/* Check @image (@size bytes): "HdrS", protocol >= 2.12, XLF_KERNEL_64,
 * relocatable, sizes consistent with the file. False with a short static
 * message in @*error ("not a bzImage", "truncated", ...). */
bool bzimage_parse(const void *image, u64 size, struct bzimage_info *out,
		   const char **error);

struct boot_params_config {
	u64 kernel_addr;   /* where the payload was loaded */
	u64 cmdline_gpa;
	u32 cmdline_len;
	u64 initrd_gpa, initrd_size; /* 0, 0: none */
	u64 rsdp_gpa;      /* 0: none */
	const struct e820_entry *e820;
	u32 e820_count;
};

/* Fill the 4 KiB @bp: zeroed, the image's setup header copied (0x1f1 up
 * to 0x202 + byte 0x201), loader fields written. */
void bzimage_build_boot_params(const void *image, const struct bzimage_info *info,
			       const struct boot_params_config *cfg, u8 *bp);

#endif
