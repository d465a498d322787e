/* Multiboot2 boot information parser.
 *
 * The MBI comes from the boot loader, so nothing in it is trusted: total_size
 * is capped by the caller's limit, every tag must lie inside total_size, and
 * every string must end inside its tag. Reads go through mb2_read_*() so an
 * MBI that is not 8-byte aligned (only possible in tests) is no problem.
 */
#include "kernel/multiboot2.h"
#include "lib/unaligned.h"
#include "lib/string.h"

#define MB2_HEADER_SIZE 8
#define MB2_TAG_HEADER_SIZE 8
#define MB2_TAG_ALIGN 8
#define MB2_MMAP_ENTRY_MIN 24
#define MB2_RSDP_V1_LEN 20
#define MB2_RSDP_V2_LEN 36

/* Parser state: the MBI bytes and the RSDP source, which outlives one tag. */
struct mb2_parser {
	const u8 *base;
	u32 total_size;
	struct boot_info *out;
	bool rsdp_from_new;
};

static bool mb2_fail(struct mb2_parser *mp, const char *why, u32 offset)
{
	mp->out->error = why;
	mp->out->error_offset = offset;
	return false;
}

/* True when [p, p+len) holds a NUL, i.e. the string ends inside its tag. */
static bool mb2_has_nul(const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (p[i] == '\0')
			return true;
	return false;
}

static bool mb2_parse_string(struct mb2_parser *mp, u32 off, u32 size,
			     const char **dst, const char *why)
{
	const u8 *s = mp->base + off + MB2_TAG_HEADER_SIZE;

	if (!mb2_has_nul(s, size - MB2_TAG_HEADER_SIZE))
		return mb2_fail(mp, why, off);
	*dst = (const char *)s;
	return true;
}

static bool mb2_parse_module(struct mb2_parser *mp, u32 off, u32 size)
{
	const u8 *tag = mp->base + off;
	struct boot_info *out = mp->out;
	struct boot_module *mod;
	u32 start, end;

	/* mod_start, mod_end, then a string of at least the NUL. */
	if (size < 17)
		return mb2_fail(mp, "module tag too short", off);
	start = get_le32(tag + 8);
	end = get_le32(tag + 12);
	if (start > end)
		return mb2_fail(mp, "module start beyond its end", off);
	if (!mb2_has_nul(tag + 16, size - 16))
		return mb2_fail(mp, "module string not NUL-terminated", off);

	if (out->module_count >= BOOT_MAX_MODULES) {
		out->modules_truncated = true;
		return true;
	}
	mod = &out->modules[out->module_count++];
	mod->start = start;
	mod->end = end;
	mod->string = (const char *)(tag + 16);
	return true;
}

static bool mb2_parse_mmap(struct mb2_parser *mp, u32 off, u32 size)
{
	const u8 *tag = mp->base + off;
	struct boot_info *out = mp->out;
	u32 entry_size, pos;

	if (size < 16)
		return mb2_fail(mp, "mmap tag too short", off);
	entry_size = get_le32(tag + 8);
	/* entry_version (tag + 12) is 0 today; later versions only append
	 * fields, which honouring entry_size skips. */
	if (entry_size < MB2_MMAP_ENTRY_MIN)
		return mb2_fail(mp, "mmap tag entry_size smaller than 24", off);

	/* A trailing partial entry is ignored rather than read past. */
	for (pos = 16; size - pos >= entry_size; pos += entry_size) {
		const u8 *e = tag + pos;
		struct boot_mem_range *r;

		if (out->mmap_count >= BOOT_MAX_MMAP) {
			out->mmap_truncated = true;
			break;
		}
		r = &out->mmap[out->mmap_count++];
		r->base = get_le64(e);
		r->length = get_le64(e + 8);
		r->type = get_le32(e + 16);
	}
	return true;
}

static bool mb2_parse_rsdp(struct mb2_parser *mp, u32 off, u32 size,
			   bool is_new)
{
	struct boot_info *out = mp->out;
	u32 len = size - MB2_TAG_HEADER_SIZE;

	if (len < MB2_RSDP_V1_LEN)
		return mb2_fail(mp, "ACPI RSDP tag shorter than 20 bytes", off);
	/* Tag 15 carries the XSDT address; never let tag 14 replace it. */
	if (!is_new && mp->rsdp_from_new)
		return true;

	len = (is_new && len >= MB2_RSDP_V2_LEN) ? MB2_RSDP_V2_LEN :
						   MB2_RSDP_V1_LEN;
	memset(out->rsdp, 0, sizeof(out->rsdp));
	memcpy(out->rsdp, mp->base + off + MB2_TAG_HEADER_SIZE, len);
	out->rsdp_len = len;
	mp->rsdp_from_new = is_new;
	return true;
}

static bool mb2_parse_efi_mmap(struct mb2_parser *mp, u32 off, u32 size)
{
	const u8 *tag = mp->base + off;
	struct boot_info *out = mp->out;
	u32 desc_size;

	if (size < 16)
		return mb2_fail(mp, "EFI mmap tag too short", off);
	desc_size = get_le32(tag + 8);
	if (desc_size == 0)
		return mb2_fail(mp, "EFI mmap descriptor_size is zero", off);
	out->has_efi_mmap = true;
	out->efi_mmap_desc_size = desc_size;
	out->efi_mmap_desc_version = get_le32(tag + 12);
	out->efi_mmap_count = (size - 16) / desc_size;
	return true;
}

static bool mb2_parse_tag(struct mb2_parser *mp, u32 type, u32 off, u32 size)
{
	const u8 *tag = mp->base + off;
	struct boot_info *out = mp->out;

	switch (type) {
	case MB2_TAG_CMDLINE:
		return mb2_parse_string(mp, off, size, &out->cmdline,
					"cmdline not NUL-terminated");
	case MB2_TAG_BOOTLOADER:
		return mb2_parse_string(mp, off, size, &out->bootloader,
					"boot loader name not NUL-terminated");
	case MB2_TAG_MODULE:
		return mb2_parse_module(mp, off, size);
	case MB2_TAG_BASIC_MEMINFO:
		if (size < 16)
			return mb2_fail(mp, "basic meminfo tag too short", off);
		out->mem_lower_kib = get_le32(tag + 8);
		out->mem_upper_kib = get_le32(tag + 12);
		return true;
	case MB2_TAG_MMAP:
		return mb2_parse_mmap(mp, off, size);
	case MB2_TAG_EFI64:
		if (size < 16)
			return mb2_fail(mp, "EFI64 system table tag too short", off);
		out->efi_system_table = get_le64(tag + 8);
		return true;
	case MB2_TAG_ACPI_OLD:
		return mb2_parse_rsdp(mp, off, size, false);
	case MB2_TAG_ACPI_NEW:
		return mb2_parse_rsdp(mp, off, size, true);
	case MB2_TAG_EFI_MMAP:
		return mb2_parse_efi_mmap(mp, off, size);
	default:
		/* Framebuffer, ELF sections, APM, SMBIOS...: not ours to read. */
		return true;
	}
}

bool mb2_parse(const void *mbi, u64 mbi_phys, u32 limit, struct boot_info *out)
{
	struct mb2_parser mp = { .base = mbi, .out = out };
	u64 off;

	memset(out, 0, sizeof(*out));
	out->cmdline = "";

	/* The smallest valid MBI is the header plus the end tag. */
	if (limit < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)
		return mb2_fail(&mp, "MBI limit smaller than 16", 0);
	mp.total_size = get_le32(mp.base);
	if (mp.total_size < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)
		return mb2_fail(&mp, "MBI total_size smaller than 16", 0);
	if (mp.total_size > limit)
		return mb2_fail(&mp, "MBI total_size beyond limit", 0);
	out->mbi_start = mbi_phys;
	out->mbi_end = mbi_phys + mp.total_size;

	/* off is 64-bit so aligning a huge tag size cannot wrap. */
	for (off = MB2_HEADER_SIZE; off < mp.total_size;) {
		u32 avail = mp.total_size - (u32)off;
		u32 type, size;

		if (avail < MB2_TAG_HEADER_SIZE)
			return mb2_fail(&mp, "tag header runs past MBI end", off);
		type = get_le32(mp.base + off);
		size = get_le32(mp.base + off + 4);
		if (size < MB2_TAG_HEADER_SIZE)
			return mb2_fail(&mp, "tag size smaller than 8", off);
		if (size > avail)
			return mb2_fail(&mp, "tag runs past MBI end", off);
		if (type == MB2_TAG_END)
			return true;
		if (!mb2_parse_tag(&mp, type, off, size))
			return false;
		off += ALIGN_UP((u64)size, MB2_TAG_ALIGN);
	}
	return mb2_fail(&mp, "MBI has no end tag", mp.total_size);
}
