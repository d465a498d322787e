/* Host unit tests for the multiboot2 parser, over MBIs built in a buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/multiboot2.h"

#define MBI_PHYS 0x10000ull

/* An MBI under construction; tags are appended 8-byte aligned. */
struct mbi_builder {
	u8 buf[8192] __aligned(8);
	u32 size;
};

static void mbi_begin(struct mbi_builder *b)
{
	memset(b->buf, 0xcc, sizeof(b->buf));
	b->size = 8;
	memset(b->buf, 0, 8);
}

static void put_u32(struct mbi_builder *b, u32 off, u32 v)
{
	memcpy(b->buf + off, &v, sizeof(v));
}

static void put_u64(struct mbi_builder *b, u32 off, u64 v)
{
	memcpy(b->buf + off, &v, sizeof(v));
}

/* Append a tag of @size bytes (header included) and return its offset; the
 * payload is copied from @payload when given, zeroed otherwise. */
static u32 mbi_add_tag(struct mbi_builder *b, u32 type, u32 size,
		       const void *payload)
{
	u32 off = b->size;

	assert_true(off + ALIGN_UP(size, 8) <= sizeof(b->buf));
	memset(b->buf + off, 0, ALIGN_UP(size, 8));
	put_u32(b, off, type);
	put_u32(b, off + 4, size);
	if (payload)
		memcpy(b->buf + off + 8, payload, size - 8);
	b->size = off + ALIGN_UP(size, 8);
	return off;
}

static u32 mbi_add_string(struct mbi_builder *b, u32 type, const char *s)
{
	return mbi_add_tag(b, type, 8 + strlen(s) + 1, s);
}

static u32 mbi_add_module(struct mbi_builder *b, u32 start, u32 end,
			  const char *s)
{
	u32 off = mbi_add_tag(b, MB2_TAG_MODULE, 16 + strlen(s) + 1, NULL);

	put_u32(b, off + 8, start);
	put_u32(b, off + 12, end);
	memcpy(b->buf + off + 16, s, strlen(s) + 1);
	return off;
}

/* A memory map of @n entries; entry i is [i GiB, +1 GiB) of type i%5+1. */
static u32 mbi_add_mmap(struct mbi_builder *b, u32 entry_size, u32 n)
{
	u32 off = mbi_add_tag(b, MB2_TAG_MMAP, 16 + entry_size * n, NULL);
	u32 i;

	put_u32(b, off + 8, entry_size);
	put_u32(b, off + 12, 0);
	for (i = 0; i < n; i++) {
		u32 e = off + 16 + i * entry_size;

		put_u64(b, e, GiB(i));
		put_u64(b, e + 8, GiB(1));
		put_u32(b, e + 16, i % 5 + 1);
		put_u32(b, e + 20, 0);
		/* Fill the padding of larger entries: it must be skipped. */
		if (entry_size > 24)
			memset(b->buf + e + 24, 0xee, entry_size - 24);
	}
	return off;
}

/* An RSDP-like blob whose bytes are @seed, @seed+1, ... */
static u32 mbi_add_rsdp(struct mbi_builder *b, u32 type, u32 len, u8 seed)
{
	u8 rsdp[64];
	u32 i;

	for (i = 0; i < len; i++)
		rsdp[i] = seed + i;
	return mbi_add_tag(b, type, 8 + len, rsdp);
}

static u32 mbi_end(struct mbi_builder *b)
{
	u32 off = mbi_add_tag(b, MB2_TAG_END, 8, NULL);

	put_u32(b, 0, b->size);
	return off;
}

static bool parse(struct mbi_builder *b, struct boot_info *bi)
{
	return mb2_parse(b->buf, MBI_PHYS, sizeof(b->buf), bi);
}

static void test_minimal(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	mbi_begin(&b);
	mbi_end(&b);
	assert_true(parse(&b, &bi));
	assert_null(bi.error);
	assert_string_equal(bi.cmdline, "");
	assert_null(bi.bootloader);
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.module_count, 0);
	assert_int_equal(bi.rsdp_len, 0);
	assert_int_equal(bi.efi_system_table, 0);
	assert_false(bi.has_efi_mmap);
	assert_int_equal(bi.mbi_start, MBI_PHYS);
	assert_int_equal(bi.mbi_end, MBI_PHYS + 16);
}

static void test_bios_like(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;
	int i;

	(void)state;
	mbi_begin(&b);
	mbi_add_string(&b, MB2_TAG_CMDLINE, "console=ttyS0 sched=credit");
	mbi_add_string(&b, MB2_TAG_BOOTLOADER, "GRUB 2.06");
	off = mbi_add_tag(&b, MB2_TAG_BASIC_MEMINFO, 16, NULL);
	put_u32(&b, off + 8, 639);
	put_u32(&b, off + 12, 523264);
	mbi_add_tag(&b, 21, 12, "\x00\x00\x10\x00"); /* load base: unknown */
	mbi_add_module(&b, 0x200000, 0x800000, "vm=a role=kernel");
	mbi_add_module(&b, 0x800000, 0x900000, "vm=a role=initrd");
	mbi_add_mmap(&b, 24, 6);
	mbi_add_rsdp(&b, MB2_TAG_ACPI_OLD, 20, 0x10);
	mbi_end(&b);

	assert_true(parse(&b, &bi));
	assert_null(bi.error);
	assert_string_equal(bi.cmdline, "console=ttyS0 sched=credit");
	/* Strings point into the MBI, not at copies. */
	assert_true((const u8 *)bi.cmdline > b.buf &&
		    (const u8 *)bi.cmdline < b.buf + b.size);
	assert_string_equal(bi.bootloader, "GRUB 2.06");
	assert_int_equal(bi.mem_lower_kib, 639);
	assert_int_equal(bi.mem_upper_kib, 523264);

	assert_int_equal(bi.module_count, 2);
	assert_false(bi.modules_truncated);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x800000);
	assert_string_equal(bi.modules[0].string, "vm=a role=kernel");
	assert_int_equal(bi.modules[1].start, 0x800000);
	assert_string_equal(bi.modules[1].string, "vm=a role=initrd");

	assert_int_equal(bi.mmap_count, 6);
	assert_false(bi.mmap_truncated);
	for (i = 0; i < 6; i++) {
		assert_int_equal(bi.mmap[i].base, GiB(i));
		assert_int_equal(bi.mmap[i].length, GiB(1));
		assert_int_equal(bi.mmap[i].type, i % 5 + 1);
	}

	assert_int_equal(bi.rsdp_len, 20);
	for (i = 0; i < 20; i++)
		assert_int_equal(bi.rsdp[i], 0x10 + i);
	for (i = 20; i < 36; i++)
		assert_int_equal(bi.rsdp[i], 0);
	assert_false(bi.has_efi_mmap);
	assert_int_equal(bi.mbi_end, MBI_PHYS + b.size);
}

static void build_uefi_like(struct mbi_builder *b, bool new_first)
{
	u32 off;

	mbi_begin(b);
	mbi_add_string(b, MB2_TAG_CMDLINE, "");
	off = mbi_add_tag(b, MB2_TAG_EFI64, 16, NULL);
	put_u64(b, off + 8, 0x7fe8f018ull);
	if (new_first)
		mbi_add_rsdp(b, MB2_TAG_ACPI_NEW, 36, 0x40);
	mbi_add_rsdp(b, MB2_TAG_ACPI_OLD, 20, 0x10);
	if (!new_first)
		mbi_add_rsdp(b, MB2_TAG_ACPI_NEW, 36, 0x40);
	mbi_add_mmap(b, 24, 3);
	off = mbi_add_tag(b, MB2_TAG_EFI_MMAP, 16 + 48 * 10, NULL);
	put_u32(b, off + 8, 48);
	put_u32(b, off + 12, 1);
	mbi_end(b);
}

static void check_uefi_like(struct boot_info *bi)
{
	int i;

	assert_null(bi->error);
	assert_string_equal(bi->cmdline, "");
	assert_int_equal(bi->efi_system_table, 0x7fe8f018ull);
	assert_int_equal(bi->rsdp_len, 36);
	for (i = 0; i < 36; i++)
		assert_int_equal(bi->rsdp[i], 0x40 + i);
	assert_true(bi->has_efi_mmap);
	assert_int_equal(bi->efi_mmap_desc_size, 48);
	assert_int_equal(bi->efi_mmap_desc_version, 1);
	assert_int_equal(bi->efi_mmap_count, 10);
	assert_int_equal(bi->mmap_count, 3);
}

static void test_uefi_like_new_first(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	build_uefi_like(&b, true);
	assert_true(parse(&b, &bi));
	check_uefi_like(&bi);
}

static void test_uefi_like_new_last(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	build_uefi_like(&b, false);
	assert_true(parse(&b, &bi));
	check_uefi_like(&bi);
}

static void test_acpi_new_short_is_v1(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	mbi_begin(&b);
	mbi_add_rsdp(&b, MB2_TAG_ACPI_NEW, 24, 0x40);
	mbi_add_rsdp(&b, MB2_TAG_ACPI_OLD, 20, 0x10);
	mbi_end(&b);
	assert_true(parse(&b, &bi));
	assert_int_equal(bi.rsdp_len, 20);
	assert_int_equal(bi.rsdp[0], 0x40);
	assert_int_equal(bi.rsdp[20], 0);
}

static void test_acpi_too_short(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	off = mbi_add_rsdp(&b, MB2_TAG_ACPI_OLD, 19, 0x10);
	mbi_end(&b);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "ACPI RSDP tag shorter than 20 bytes");
	assert_int_equal(bi.error_offset, off);
	assert_int_equal(bi.rsdp_len, 0);
}

static void test_total_size_too_small(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	mbi_begin(&b);
	mbi_end(&b);
	put_u32(&b, 0, 12);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "MBI total_size smaller than 16");
	assert_int_equal(bi.error_offset, 0);
}

static void test_total_size_over_limit(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	mbi_begin(&b);
	mbi_add_string(&b, MB2_TAG_CMDLINE, "x");
	mbi_end(&b);
	assert_false(mb2_parse(b.buf, MBI_PHYS, b.size - 8, &bi));
	assert_string_equal(bi.error, "MBI total_size beyond limit");
	assert_true(mb2_parse(b.buf, MBI_PHYS, b.size, &bi));

	put_u32(&b, 0, 0xfffffff8u);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "MBI total_size beyond limit");

	/* A limit too small for the header is refused before any read. */
	assert_false(mb2_parse(b.buf, MBI_PHYS, 15, &bi));
	assert_non_null(bi.error);
}

/* total_size cut short: the end tag lies beyond it and must not be seen. */
static void test_truncated_total_size(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 end_off;

	(void)state;
	mbi_begin(&b);
	mbi_add_string(&b, MB2_TAG_CMDLINE, "hello");
	end_off = mbi_end(&b);
	put_u32(&b, 0, end_off);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "MBI has no end tag");
	/* Fields parsed before the error stay valid. */
	assert_string_equal(bi.cmdline, "hello");

	/* Cut in the middle of the end tag's header. */
	put_u32(&b, 0, end_off + 4);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "tag header runs past MBI end");
	assert_int_equal(bi.error_offset, end_off);
}

static void test_tag_past_end(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	off = mbi_add_string(&b, MB2_TAG_CMDLINE, "hello");
	mbi_end(&b);
	put_u32(&b, off + 4, b.size - off + 1);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "tag runs past MBI end");
	assert_int_equal(bi.error_offset, off);

	/* A huge size must not wrap the offset arithmetic. */
	put_u32(&b, off + 4, 0xffffffffu);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "tag runs past MBI end");
}

static void test_tag_size_too_small(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	off = mbi_add_tag(&b, 99, 16, NULL);
	mbi_end(&b);
	put_u32(&b, off + 4, 7);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "tag size smaller than 8");
	assert_int_equal(bi.error_offset, off);

	/* Size 0 would loop forever if accepted. */
	put_u32(&b, off + 4, 0);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "tag size smaller than 8");
}

static void test_missing_end_tag(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	mbi_begin(&b);
	mbi_add_string(&b, MB2_TAG_CMDLINE, "abc");
	mbi_add_tag(&b, 99, 8, NULL);
	put_u32(&b, 0, b.size);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "MBI has no end tag");
	assert_int_equal(bi.error_offset, b.size);
}

static void test_unterminated_cmdline(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	off = mbi_add_tag(&b, MB2_TAG_CMDLINE, 8 + 8, "abcdefgh");
	mbi_end(&b);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "cmdline not NUL-terminated");
	assert_int_equal(bi.error_offset, off);
	assert_string_equal(bi.cmdline, "");

	/* The NUL in the alignment padding is outside the tag: still bad. */
	mbi_begin(&b);
	mbi_add_tag(&b, MB2_TAG_CMDLINE, 8 + 5, "abcde");
	mbi_end(&b);
	assert_int_equal(b.buf[8 + 13], 0);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "cmdline not NUL-terminated");

	mbi_begin(&b);
	mbi_add_tag(&b, MB2_TAG_BOOTLOADER, 8 + 3, "abc");
	mbi_end(&b);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "boot loader name not NUL-terminated");
}

static void test_unterminated_module_string(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	off = mbi_add_tag(&b, MB2_TAG_MODULE, 16 + 4, NULL);
	put_u32(&b, off + 8, 0x1000);
	put_u32(&b, off + 12, 0x2000);
	memcpy(b.buf + off + 16, "abcd", 4);
	mbi_end(&b);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "module string not NUL-terminated");
	assert_int_equal(bi.error_offset, off);
	assert_int_equal(bi.module_count, 0);

	/* No room for any string at all. */
	mbi_begin(&b);
	off = mbi_add_tag(&b, MB2_TAG_MODULE, 16, NULL);
	mbi_end(&b);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "module tag too short");
}

static void test_bad_module(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	mbi_add_module(&b, 0x100000, 0x200000, "good");
	off = mbi_add_module(&b, 0x300000, 0x2ff000, "bad");
	mbi_end(&b);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "module start beyond its end");
	assert_int_equal(bi.error_offset, off);
	assert_int_equal(bi.module_count, 1);

	/* An empty module (start == end) is legal. */
	mbi_begin(&b);
	mbi_add_module(&b, 0x300000, 0x300000, "");
	mbi_end(&b);
	assert_true(parse(&b, &bi));
	assert_int_equal(bi.module_count, 1);
	assert_string_equal(bi.modules[0].string, "");
}

static void test_too_many_modules(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 i;

	(void)state;
	mbi_begin(&b);
	for (i = 0; i < BOOT_MAX_MODULES + 3; i++)
		mbi_add_module(&b, i * 0x1000, i * 0x1000 + 0x1000, "m");
	mbi_end(&b);
	assert_true(parse(&b, &bi));
	assert_int_equal(bi.module_count, BOOT_MAX_MODULES);
	assert_true(bi.modules_truncated);
}

static void check_mmap_entry_size(u32 entry_size)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 i;

	mbi_begin(&b);
	mbi_add_mmap(&b, entry_size, 7);
	mbi_end(&b);
	assert_true(parse(&b, &bi));
	assert_int_equal(bi.mmap_count, 7);
	assert_false(bi.mmap_truncated);
	for (i = 0; i < 7; i++) {
		assert_int_equal(bi.mmap[i].base, GiB(i));
		assert_int_equal(bi.mmap[i].length, GiB(1));
		assert_int_equal(bi.mmap[i].type, i % 5 + 1);
	}
}

static void test_mmap_entry_size_24(void **state)
{
	(void)state;
	check_mmap_entry_size(24);
}

static void test_mmap_entry_size_32(void **state)
{
	(void)state;
	check_mmap_entry_size(32);
	check_mmap_entry_size(40);
}

static void test_mmap_entry_size_too_small(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	off = mbi_add_mmap(&b, 24, 2);
	mbi_end(&b);
	put_u32(&b, off + 8, 20);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "mmap tag entry_size smaller than 24");
	assert_int_equal(bi.error_offset, off);

	put_u32(&b, off + 8, 0);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "mmap tag entry_size smaller than 24");
}

static void test_mmap_partial_entry_ignored(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off, i;

	(void)state;
	mbi_begin(&b);
	/* Two entries and half of a third: the half one is dropped. */
	off = mbi_add_tag(&b, MB2_TAG_MMAP, 16 + 24 * 2 + 12, NULL);
	put_u32(&b, off + 8, 24);
	for (i = 0; i < 3; i++)
		put_u64(&b, off + 16 + 24 * i, GiB(i));
	mbi_end(&b);
	assert_true(parse(&b, &bi));
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[1].base, GiB(1));
}

static void test_mmap_too_many_entries(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 i;

	(void)state;
	mbi_begin(&b);
	mbi_add_mmap(&b, 24, BOOT_MAX_MMAP + 10);
	mbi_add_string(&b, MB2_TAG_CMDLINE, "after");
	mbi_end(&b);
	assert_true(parse(&b, &bi));
	assert_int_equal(bi.mmap_count, BOOT_MAX_MMAP);
	assert_true(bi.mmap_truncated);
	for (i = 0; i < BOOT_MAX_MMAP; i++)
		assert_int_equal(bi.mmap[i].base, GiB(i));
	/* Parsing goes on past the truncated map. */
	assert_string_equal(bi.cmdline, "after");
}

static void test_efi_mmap_zero_desc_size(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;
	u32 off;

	(void)state;
	mbi_begin(&b);
	off = mbi_add_tag(&b, MB2_TAG_EFI_MMAP, 16 + 48, NULL);
	mbi_end(&b);
	assert_false(parse(&b, &bi));
	assert_string_equal(bi.error, "EFI mmap descriptor_size is zero");
	assert_int_equal(bi.error_offset, off);
}

static void test_short_fixed_tags(void **state)
{
	static const u32 types[] = { MB2_TAG_BASIC_MEMINFO, MB2_TAG_MMAP,
				     MB2_TAG_EFI64, MB2_TAG_EFI_MMAP };
	struct mbi_builder b;
	struct boot_info bi;
	u32 i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		mbi_begin(&b);
		mbi_add_tag(&b, types[i], 12, NULL);
		mbi_end(&b);
		assert_false(parse(&b, &bi));
		assert_non_null(bi.error);
		assert_int_equal(bi.error_offset, 8);
	}
}

/* The end tag stops parsing: garbage after it is never looked at. */
static void test_end_tag_stops(void **state)
{
	struct mbi_builder b;
	struct boot_info bi;

	(void)state;
	mbi_begin(&b);
	mbi_end(&b);
	mbi_add_tag(&b, MB2_TAG_CMDLINE, 8 + 3, "abc");
	put_u32(&b, 0, b.size);
	assert_true(parse(&b, &bi));
	assert_string_equal(bi.cmdline, "");
}

/* Parse a copy in a heap block of exactly @len bytes, so a sanitizer build
 * catches any read outside the MBI. */
static void parse_exact(const u8 *src, u32 len, struct boot_info *bi)
{
	u8 *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, src, len);
	mb2_parse(copy, MBI_PHYS, len, bi);
	free(copy);
}

/* Every truncation and many random corruptions of a busy MBI: the parser
 * must stay inside the buffer and either succeed or say why not. */
static void test_never_reads_outside(void **state)
{
	struct mbi_builder b, c;
	struct boot_info bi;
	u32 seed = 12345, off, cut, i, j;

	(void)state;
	mbi_begin(&b);
	mbi_add_string(&b, MB2_TAG_CMDLINE, "console=ttyS0");
	mbi_add_string(&b, MB2_TAG_BOOTLOADER, "GRUB");
	mbi_add_module(&b, 0x200000, 0x300000, "vm=a");
	mbi_add_mmap(&b, 32, 5);
	mbi_add_rsdp(&b, MB2_TAG_ACPI_NEW, 36, 1);
	off = mbi_add_tag(&b, MB2_TAG_EFI_MMAP, 16 + 40, NULL);
	put_u32(&b, off + 8, 40);
	mbi_end(&b);

	for (cut = 0; cut <= b.size; cut++) {
		c = b;
		if (cut >= 4)
			put_u32(&c, 0, cut);
		parse_exact(c.buf, cut, &bi);
		if (cut == b.size)
			assert_null(bi.error);
		else
			assert_non_null(bi.error);
	}

	for (i = 0; i < 20000; i++) {
		c = b;
		for (j = 0; j < 4; j++) {
			seed = seed * 1103515245u + 12345u;
			c.buf[8 + (seed >> 8) % (b.size - 8)] = seed >> 24;
		}
		parse_exact(c.buf, b.size, &bi);
		if (bi.error)
			assert_true(bi.error_offset <= b.size);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_bios_like),
		cmocka_unit_test(test_uefi_like_new_first),
		cmocka_unit_test(test_uefi_like_new_last),
		cmocka_unit_test(test_acpi_new_short_is_v1),
		cmocka_unit_test(test_acpi_too_short),
		cmocka_unit_test(test_total_size_too_small),
		cmocka_unit_test(test_total_size_over_limit),
		cmocka_unit_test(test_truncated_total_size),
		cmocka_unit_test(test_tag_past_end),
		cmocka_unit_test(test_tag_size_too_small),
		cmocka_unit_test(test_missing_end_tag),
		cmocka_unit_test(test_unterminated_cmdline),
		cmocka_unit_test(test_unterminated_module_string),
		cmocka_unit_test(test_bad_module),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_mmap_entry_size_24),
		cmocka_unit_test(test_mmap_entry_size_32),
		cmocka_unit_test(test_mmap_entry_size_too_small),
		cmocka_unit_test(test_mmap_partial_entry_ignored),
		cmocka_unit_test(test_mmap_too_many_entries),
		cmocka_unit_test(test_efi_mmap_zero_desc_size),
		cmocka_unit_test(test_short_fixed_tags),
		cmocka_unit_test(test_end_tag_stops),
		cmocka_unit_test(test_never_reads_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
