/* The Linux x86 boot protocol (Documentation/x86/boot.rst, zero-page.rst),
 * 64-bit entry only: there is no firmware and no real-mode setup code to
 * run, so the loader does the setup code's job of filling boot_params.
 *
 * The image comes from a boot module and is not trusted: every offset is
 * checked against the file, in 64 bits, before it is read.
 */
#include "vm/bzimage.h"
#include "lib/unaligned.h"
#include "lib/string.h"

/* Setup header fields: offsets in the file, equal to those in boot_params. */
#define HDR_START 0x1f1
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_LEN 0x201  /* second byte of the jump: header length - 2 */
#define HDR_HEADER 0x202
#define HDR_END_BASE 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_HARDWARE_SUBARCH 0x23c
#define HDR_HARDWARE_SUBARCH_DATA 0x240
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
/* Protocol 2.12 defines everything up to and including init_size. */
#define HDR_MIN_FILE (HDR_INIT_SIZE + 4)

/* boot_params fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_E820_TABLE 0x2d0

#define BOOT_FLAG_MAGIC 0xaa55
#define HEADER_MAGIC 0x53726448 /* "HdrS" */
#define SECTOR_SIZE 512
#define DEFAULT_SETUP_SECTS 4

#define LOADFLAGS_LOADED_HIGH 0x01
#define LOADFLAGS_QUIET 0x20
#define XLF_KERNEL_64 (1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define LOADER_TYPE_UNDEFINED 0xff /* no assigned boot loader ID */

static bool bzimage_fail(const char **error, const char *msg)
{
	*error = msg;
	return false;
}

bool bzimage_parse(const void *image, u64 size, struct bzimage_info *out,
		   const char **error)
{
	const u8 *img = image;
	u32 sects, align;
	u16 xloadflags;
	u64 syssize;

	memset(out, 0, sizeof(*out));
	*error = NULL;
	if (size < HDR_HEADER + 4)
		return bzimage_fail(error, "truncated");
	if (get_le16(img + HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC ||
	    get_le32(img + HDR_HEADER) != HEADER_MAGIC)
		return bzimage_fail(error, "not a bzImage");
	if (size < HDR_MIN_FILE)
		return bzimage_fail(error, "truncated");
	out->protocol = get_le16(img + HDR_VERSION);
	if (out->protocol < BZIMAGE_MIN_PROTOCOL)
		return bzimage_fail(error, "boot protocol older than 2.12");
	/* The header must reach init_size, or the fields read below are
	 * whatever follows it in the setup code. */
	if (HDR_END_BASE + img[HDR_JUMP_LEN] < HDR_MIN_FILE)
		return bzimage_fail(error, "setup header too short");
	xloadflags = get_le16(img + HDR_XLOADFLAGS);
	if (!(xloadflags & XLF_KERNEL_64))
		return bzimage_fail(error, "no 64-bit entry point");
	/* Holdfast chooses where the kernel runs. */
	if (!img[HDR_RELOCATABLE])
		return bzimage_fail(error, "kernel not relocatable");

	sects = img[HDR_SETUP_SECTS];
	if (!sects)
		sects = DEFAULT_SETUP_SECTS;
	out->setup_size = (sects + 1) * SECTOR_SIZE;
	if (out->setup_size >= size)
		return bzimage_fail(error, "setup larger than the file");
	out->payload_offset = out->setup_size;
	out->payload_size = size - out->setup_size;
	/* syssize is the payload in 16-byte units (0 in some hand-built
	 * images: then the file is all we know). */
	syssize = (u64)get_le32(img + HDR_SYSSIZE) * 16;
	if (syssize > out->payload_size)
		return bzimage_fail(error, "truncated");

	align = get_le32(img + HDR_KERNEL_ALIGNMENT);
	if (!align || (align & (align - 1)))
		return bzimage_fail(error, "kernel_alignment not a power of two");
	out->kernel_alignment = align;
	out->pref_address = get_le64(img + HDR_PREF_ADDRESS);
	/* The decompressor runs in place: what it needs covers the payload,
	 * but guard the loader against a header that says otherwise. */
	out->init_size = MAX((u64)get_le32(img + HDR_INIT_SIZE), out->payload_size);
	out->initrd_addr_max = get_le32(img + HDR_INITRD_ADDR_MAX);
	out->initrd_above_4g = xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G;
	out->cmdline_size = get_le32(img + HDR_CMDLINE_SIZE);
	return true;
}

void bzimage_build_boot_params(const void *image, const struct bzimage_info *info,
			       const struct boot_params_config *cfg, u8 *bp)
{
	const u8 *img = image;
	u64 file_size = info->payload_offset + info->payload_size;
	u64 end = HDR_END_BASE + img[HDR_JUMP_LEN];
	u32 i, count;

	memset(bp, 0, BOOT_PARAMS_SIZE);
	end = MIN(end, (u64)BOOT_PARAMS_SIZE);
	end = MIN(end, file_size);
	if (end > HDR_START)
		memcpy(bp + HDR_START, img + HDR_START, end - HDR_START);

	bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
	/* The payload sits above 1 MiB; quiet would hide the decompressor's
	 * messages, the one sign of life before the console. */
	bp[HDR_LOADFLAGS] = (bp[HDR_LOADFLAGS] | LOADFLAGS_LOADED_HIGH) &
			    ~LOADFLAGS_QUIET;
	put_le32(bp + HDR_CODE32_START, (u32)cfg->kernel_addr);

	put_le32(bp + HDR_CMD_LINE_PTR, (u32)cfg->cmdline_gpa);
	put_le32(bp + BP_EXT_CMD_LINE_PTR, (u32)(cfg->cmdline_gpa >> 32));
	put_le32(bp + HDR_RAMDISK_IMAGE, (u32)cfg->initrd_gpa);
	put_le32(bp + BP_EXT_RAMDISK_IMAGE, (u32)(cfg->initrd_gpa >> 32));
	put_le32(bp + HDR_RAMDISK_SIZE, (u32)cfg->initrd_size);
	put_le32(bp + BP_EXT_RAMDISK_SIZE, (u32)(cfg->initrd_size >> 32));
	put_le64(bp + BP_ACPI_RSDP_ADDR, cfg->rsdp_gpa);

	put_le32(bp + HDR_HARDWARE_SUBARCH, 0); /* a PC */
	put_le64(bp + HDR_HARDWARE_SUBARCH_DATA, 0);
	/* The image has 0xff here; Linux takes a non-zero sentinel to mean
	 * a loader copied a whole sector instead of the header, and then
	 * clears fields (sanitize_boot_params), ours among them. */
	bp[BP_SENTINEL] = 0;

	count = MIN(cfg->e820_count, (u32)E820_MAX_ENTRIES);
	for (i = 0; i < count; i++)
		memcpy(bp + BP_E820_TABLE + i * sizeof(struct e820_entry),
		       &cfg->e820[i], sizeof(struct e820_entry));
	bp[BP_E820_ENTRIES] = (u8)count;
}
