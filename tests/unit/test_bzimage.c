/* Unit tests for vm/bzimage.c: setup header validation on synthetic
 * images, and boot_params field placement (offsets from boot.rst and
 * zero-page.rst, written out here independently of the code under test).
 * Images live in exact-size heap blocks so the sanitizer catches any read
 * past the file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vm/bzimage.h"
#include "lib/unaligned.h"

#define UNUSED __attribute__((unused))

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PAYLOAD_SIZE 8192
#define IMAGE_SIZE (SETUP_SIZE + PAYLOAD_SIZE)
#define HDR_LEN_BYTE 0x6a /* Linux 6.1: the header ends at 0x26c */

_Static_assert(sizeof(struct e820_entry) == 20, "e820 entries are packed");

static u8 *image;
static struct bzimage_info info;
static const char *error;
static u8 bp[BOOT_PARAMS_SIZE];

/* A minimal valid 64-bit relocatable bzImage of @size bytes. */
static u8 *make_image(u64 size)
{
	u8 *img = malloc(size);

	assert_non_null(img);
	memset(img, 0, size);
	img[0x1ef] = 0xff;                     /* the image's own sentinel */
	img[0x1f1] = SETUP_SECTS;
	put_le32(img + 0x1f4, PAYLOAD_SIZE / 16); /* syssize */
	put_le16(img + 0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = HDR_LEN_BYTE;
	memcpy(img + 0x202, "HdrS", 4);
	put_le16(img + 0x206, 0x020f);
	img[0x211] = 0x01 | 0x20 | 0x80;       /* LOADED_HIGH|QUIET|CAN_USE_HEAP */
	put_le32(img + 0x22c, 0x7fffffff);        /* initrd_addr_max */
	put_le32(img + 0x230, 0x200000);          /* kernel_alignment */
	img[0x234] = 1;                        /* relocatable_kernel */
	img[0x235] = 21;                       /* min_alignment */
	put_le16(img + 0x236, 0x3);               /* XLF_KERNEL_64 | ABOVE_4G */
	put_le32(img + 0x238, 2047);              /* cmdline_size */
	put_le32(img + 0x23c, 7);                 /* hardware_subarch */
	put_le64(img + 0x258, 0x1000000);         /* pref_address */
	put_le32(img + 0x260, 0x2000000);         /* init_size */
	put_le32(img + 0x264, 0x190);             /* handover_offset */
	if (size >= 0x26c)
		put_le32(img + 0x268, 0x12345);   /* kernel_info_offset */
	if (size > 0x26c)
		img[0x26c] = 0x77;             /* start of setup code */
	return img;
}

static int setup(void **state UNUSED)
{
	image = make_image(IMAGE_SIZE);
	error = NULL;
	return 0;
}

static int teardown(void **state UNUSED)
{
	free(image);
	image = NULL;
	return 0;
}

static void expect_reject(u64 size)
{
	error = NULL;
	assert_false(bzimage_parse(image, size, &info, &error));
	assert_non_null(error);
}

static void test_parse_valid(void **state UNUSED)
{
	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	assert_null(error);
	assert_int_equal(info.setup_size, SETUP_SIZE);
	assert_int_equal(info.payload_offset, SETUP_SIZE);
	assert_int_equal(info.payload_size, PAYLOAD_SIZE);
	assert_int_equal(info.pref_address, 0x1000000);
	assert_int_equal(info.kernel_alignment, 0x200000);
	assert_int_equal(info.init_size, 0x2000000);
	assert_int_equal(info.initrd_addr_max, 0x7fffffff);
	assert_true(info.initrd_above_4g);
	assert_int_equal(info.protocol, 0x020f);
	assert_int_equal(info.cmdline_size, 2047);

	put_le16(image + 0x236, 0x1);
	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	assert_false(info.initrd_above_4g);
}

static void test_setup_sects_zero_means_four(void **state UNUSED)
{
	image[0x1f1] = 0;
	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	assert_int_equal(info.setup_size, 5 * 512);

	image[0x1f1] = 1;
	put_le32(image + 0x1f4, 0);
	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	assert_int_equal(info.setup_size, 1024);
	assert_int_equal(info.payload_offset, 1024);
	assert_int_equal(info.payload_size, IMAGE_SIZE - 1024);
}

static void test_init_size_covers_payload(void **state UNUSED)
{
	put_le32(image + 0x260, 16);
	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	assert_int_equal(info.init_size, PAYLOAD_SIZE);
}

static void test_reject_short_file(void **state UNUSED)
{
	expect_reject(0);
	expect_reject(0x205);
	expect_reject(0x263); /* magic present, init_size cut */
	assert_string_equal(error, "truncated");
	/* Payload shorter than syssize says. */
	expect_reject(IMAGE_SIZE - 16);
	assert_string_equal(error, "truncated");
}

static void test_reject_bad_magic(void **state UNUSED)
{
	put_le16(image + 0x1fe, 0xaa56);
	expect_reject(IMAGE_SIZE);
	assert_string_equal(error, "not a bzImage");
	put_le16(image + 0x1fe, 0xaa55);
	memcpy(image + 0x202, "HdrT", 4);
	expect_reject(IMAGE_SIZE);
	assert_string_equal(error, "not a bzImage");
}

static void test_reject_old_protocol(void **state UNUSED)
{
	put_le16(image + 0x206, 0x020b);
	expect_reject(IMAGE_SIZE);
	put_le16(image + 0x206, 0x020c);
	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
}

static void test_reject_short_header(void **state UNUSED)
{
	image[0x201] = 0x5f; /* header would end before init_size */
	expect_reject(IMAGE_SIZE);
}

static void test_reject_not_64bit(void **state UNUSED)
{
	put_le16(image + 0x236, 0x2);
	expect_reject(IMAGE_SIZE);
}

static void test_reject_not_relocatable(void **state UNUSED)
{
	image[0x234] = 0;
	expect_reject(IMAGE_SIZE);
}

static void test_reject_bad_alignment(void **state UNUSED)
{
	put_le32(image + 0x230, 0);
	expect_reject(IMAGE_SIZE);
	put_le32(image + 0x230, 0x300000);
	expect_reject(IMAGE_SIZE);
}

static void test_reject_setup_larger_than_file(void **state UNUSED)
{
	image[0x1f1] = 0xff; /* 256 sectors: 128 KiB of setup */
	expect_reject(IMAGE_SIZE);
	assert_string_equal(error, "setup larger than the file");
	/* Setup exactly the file: no payload. */
	image[0x1f1] = SETUP_SECTS;
	put_le32(image + 0x1f4, 0);
	expect_reject(SETUP_SIZE);
}

static void test_boot_params_fields(void **state UNUSED)
{
	static const struct e820_entry map[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0x7ff00000ull, E820_RAM },
	};
	struct boot_params_config cfg = {
		.kernel_addr = 0x1234200000ull,
		.cmdline_gpa = 0x220000020000ull,
		.cmdline_len = 20,
		.initrd_gpa = 0x330000040000ull,
		.initrd_size = 0x500000123ull,
		.rsdp_gpa = 0xe0000,
		.e820 = map,
		.e820_count = 3,
	};

	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	memset(bp, 0xee, sizeof(bp));
	bzimage_build_boot_params(image, &info, &cfg, bp);

	/* Header copied from 0x1f1 to 0x202 + 0x6a, nothing else; the loader
	 * fields in between are checked below. */
	assert_memory_equal(bp + 0x1f1, image + 0x1f1, 0x210 - 0x1f1);
	assert_memory_equal(bp + 0x22c, image + 0x22c, 0x23c - 0x22c);
	assert_memory_equal(bp + 0x248, image + 0x248, 0x26c - 0x248);
	assert_memory_equal(bp + 0x202, "HdrS", 4);
	assert_int_equal(get_le16(bp + 0x206), 0x020f);
	assert_int_equal(get_le32(bp + 0x268), 0x12345);
	assert_int_equal(bp[0x26c], 0);
	assert_int_equal(bp[0x1ef], 0);      /* sentinel */
	assert_int_equal(bp[0x1f0], 0);
	assert_int_equal(bp[0x000], 0);
	assert_int_equal(bp[0xfff], 0);

	assert_int_equal(bp[0x210], 0xff);   /* type_of_loader */
	assert_int_equal(bp[0x211], 0x81);   /* LOADED_HIGH, CAN_USE_HEAP kept */
	assert_int_equal(get_le32(bp + 0x214), 0x34200000); /* code32_start */
	assert_int_equal(get_le32(bp + 0x228), 0x00020000); /* cmd_line_ptr */
	assert_int_equal(get_le32(bp + 0x0c8), 0x2200);     /* ext_cmd_line_ptr */
	assert_int_equal(get_le32(bp + 0x218), 0x00040000); /* ramdisk_image */
	assert_int_equal(get_le32(bp + 0x0c0), 0x3300);     /* ext_ramdisk_image */
	assert_int_equal(get_le32(bp + 0x21c), 0x00000123); /* ramdisk_size */
	assert_int_equal(get_le32(bp + 0x0c4), 0x5);        /* ext_ramdisk_size */
	assert_int_equal(get_le64(bp + 0x070), 0xe0000);    /* acpi_rsdp_addr */
	assert_int_equal(get_le32(bp + 0x23c), 0);          /* hardware_subarch */

	assert_int_equal(bp[0x1e8], 3);                  /* e820_entries */
	assert_int_equal(get_le64(bp + 0x2d0), 0);
	assert_int_equal(get_le64(bp + 0x2d8), 0x9fc00);
	assert_int_equal(get_le32(bp + 0x2e0), E820_RAM);
	assert_int_equal(get_le64(bp + 0x2e4), 0x9fc00);
	assert_int_equal(get_le64(bp + 0x2ec), 0x60400);
	assert_int_equal(get_le32(bp + 0x2f4), E820_RESERVED);
	assert_int_equal(get_le64(bp + 0x2f8), 0x100000);
	assert_int_equal(get_le64(bp + 0x300), 0x7ff00000ull);
	assert_int_equal(get_le32(bp + 0x308), E820_RAM);
	assert_int_equal(bp[0x30c], 0);
}

static void test_boot_params_no_initrd_no_acpi(void **state UNUSED)
{
	struct boot_params_config cfg = {
		.kernel_addr = 0x1000000,
		.cmdline_gpa = 0x20000,
		.cmdline_len = 5,
	};

	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	bzimage_build_boot_params(image, &info, &cfg, bp);
	assert_int_equal(get_le32(bp + 0x218), 0);
	assert_int_equal(get_le32(bp + 0x21c), 0);
	assert_int_equal(get_le32(bp + 0x0c0), 0);
	assert_int_equal(get_le32(bp + 0x0c4), 0);
	assert_int_equal(get_le64(bp + 0x070), 0);
	assert_int_equal(bp[0x1e8], 0);
	assert_int_equal(get_le32(bp + 0x214), 0x1000000);
}

static void test_boot_params_e820_truncated(void **state UNUSED)
{
	static struct e820_entry map[E820_MAX_ENTRIES + 5];
	struct boot_params_config cfg = { .e820 = map };
	u32 i;

	for (i = 0; i < E820_MAX_ENTRIES + 5; i++)
		map[i] = (struct e820_entry){ i * 0x1000ull, 0x1000, E820_RAM };
	cfg.e820_count = E820_MAX_ENTRIES + 5;
	assert_true(bzimage_parse(image, IMAGE_SIZE, &info, &error));
	bzimage_build_boot_params(image, &info, &cfg, bp);
	assert_int_equal(bp[0x1e8], E820_MAX_ENTRIES);
	i = E820_MAX_ENTRIES - 1;
	assert_int_equal(get_le64(bp + 0x2d0 + 20 * i), i * 0x1000ull);
	/* The table ends at 0xcd0: what follows is untouched padding. */
	assert_int_equal(bp[0x2d0 + 20 * E820_MAX_ENTRIES], 0);
}

static void test_boot_params_header_bounded_by_file(void **state UNUSED)
{
	struct boot_params_config cfg = { 0 };
	struct bzimage_info small = { .payload_offset = 0x268 };
	u8 *img = make_image(0x268);

	/* A header claiming 0x202 + 0xff bytes, in a file that ends first:
	 * the copy must stop at the file (the sanitizer watches). */
	img[0x201] = 0xff;
	bzimage_build_boot_params(img, &small, &cfg, bp);
	assert_int_equal(get_le32(bp + 0x260), 0x2000000);
	assert_int_equal(bp[0x268], 0);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_sects_zero_means_four, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_size_covers_payload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_short_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_bad_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_old_protocol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_short_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_not_64bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_not_relocatable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_bad_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_setup_larger_than_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_no_initrd_no_acpi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_e820_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_header_bounded_by_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
