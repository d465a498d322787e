/* Host unit tests for the ELF loader, over images built in a buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vm/elf_loader.h"

#define GUEST_BASE 0x100000ull
#define GUEST_SIZE 0x10000ull
#define MIN_GPA GUEST_BASE
#define MAX_GPA (GUEST_BASE + GUEST_SIZE)

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define MAX_TEST_PHDRS 8
#define DATA_START (EHDR_SIZE + MAX_TEST_PHDRS * PHDR_SIZE)

#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4

/* An ELF image under construction: header, then room for the program
 * headers, then segment data appended in order. */
struct elf_image {
	u8 buf[8192];
	u64 size;
	u32 phnum;
};

/* Guest memory seen through the write callback. */
struct guest {
	u8 mem[GUEST_SIZE];
	unsigned writes;
};

static struct elf_image image;
static struct guest guest;

static void put(u8 *p, u64 v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void elf_begin(struct elf_image *im, u64 entry)
{
	u8 *h = im->buf;

	memset(im->buf, 0, sizeof(im->buf));
	memcpy(h, "\177ELF", 4);
	h[4] = 2; /* ELFCLASS64 */
	h[5] = 1; /* ELFDATA2LSB */
	h[6] = 1; /* EV_CURRENT */
	put(h + 16, 2, 2);  /* ET_EXEC */
	put(h + 18, 62, 2); /* EM_X86_64 */
	put(h + 20, 1, 4);
	put(h + 24, entry, 8);
	put(h + 32, EHDR_SIZE, 8);
	put(h + 52, EHDR_SIZE, 2);
	put(h + 54, PHDR_SIZE, 2);
	put(h + 56, 0, 2);
	im->size = DATA_START;
	im->phnum = 0;
}

/* Appends a program header and @filesz bytes of @data (a pattern when
 * NULL); returns the header so tests can spoil one field. */
static u8 *elf_add(struct elf_image *im, u32 type, u32 flags, u64 addr,
		   const void *data, u64 filesz, u64 memsz)
{
	u8 *ph = im->buf + EHDR_SIZE + im->phnum * PHDR_SIZE;

	assert_true(im->phnum < MAX_TEST_PHDRS);
	assert_true(im->size + filesz <= sizeof(im->buf));
	put(ph, type, 4);
	put(ph + 4, flags, 4);
	put(ph + 8, im->size, 8);
	put(ph + 16, addr, 8);
	put(ph + 24, addr, 8);
	put(ph + 32, filesz, 8);
	put(ph + 40, memsz, 8);
	put(ph + 48, 0x1000, 8);
	for (u64 i = 0; i < filesz; i++)
		im->buf[im->size + i] = data ? ((const u8 *)data)[i] :
					       (u8)(i * 7 + 1);
	im->size += filesz;
	im->phnum++;
	put(im->buf + 56, im->phnum, 2);
	return ph;
}

static bool guest_write(void *ctx, u64 gpa, const void *src, u64 len)
{
	struct guest *g = ctx;

	g->writes++;
	if (gpa < GUEST_BASE || gpa - GUEST_BASE > GUEST_SIZE ||
	    len > GUEST_SIZE - (gpa - GUEST_BASE))
		return false;
	if (src)
		memcpy(g->mem + (gpa - GUEST_BASE), src, len);
	else
		memset(g->mem + (gpa - GUEST_BASE), 0, len);
	return true;
}

static int setup(void **state)
{
	(void)state;
	memset(&guest, 0xaa, sizeof(guest.mem));
	guest.writes = 0;
	elf_begin(&image, GUEST_BASE + 0x10);
	return 0;
}

static const u8 *guest_at(u64 gpa)
{
	return guest.mem + (gpa - GUEST_BASE);
}

static bool all_bytes(const u8 *p, u8 v, u64 len)
{
	for (u64 i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* @image must be rejected with @message before anything is written. */
static void expect_reject_range(u64 size, u64 min_gpa, u64 max_gpa,
				const char *message)
{
	const char *error = NULL;
	u64 entry = 0x1234;

	assert_false(elf_load(image.buf, size, min_gpa, max_gpa, guest_write,
			      &guest, &entry, &error));
	assert_non_null(error);
	assert_string_equal(error, message);
	assert_int_equal(guest.writes, 0);
	assert_true(entry == 0x1234);
}

static void expect_reject(const char *message)
{
	expect_reject_range(image.size, MIN_GPA, MAX_GPA, message);
}

static void test_loads_single_segment(void **state)
{
	static const u8 code[] = { 0x90, 0x90, 0xf4, 0xeb, 0xfd };
	const char *error = "unset";
	u64 entry = 0;

	(void)state;
	elf_begin(&image, GUEST_BASE + 2);
	elf_add(&image, PT_LOAD, PF_R | PF_X, GUEST_BASE, code, sizeof(code),
		sizeof(code));
	assert_true(elf_load(image.buf, image.size, MIN_GPA, MAX_GPA,
			     guest_write, &guest, &entry, &error));
	assert_null(error);
	assert_true(entry == GUEST_BASE + 2);
	assert_memory_equal(guest_at(GUEST_BASE), code, sizeof(code));
	assert_int_equal(guest_at(GUEST_BASE)[sizeof(code)], 0xaa);
	assert_int_equal(guest.writes, 1);
}

static void test_loads_segments_with_bss(void **state)
{
	static u8 unaligned[sizeof(image.buf) + 1];
	const char *error = NULL;
	u64 entry = 0;
	u8 *text, *data;

	(void)state;
	elf_begin(&image, GUEST_BASE + 0x2004);
	elf_add(&image, PT_NOTE, PF_R, 0, NULL, 16, 16);
	elf_add(&image, PT_LOAD, PF_R, GUEST_BASE, NULL, 0x100, 0x100);
	elf_add(&image, PT_LOAD, PF_R | PF_X, GUEST_BASE + 0x2000, NULL, 0x40,
		0x40);
	elf_add(&image, PT_LOAD, PF_R | PF_W, GUEST_BASE + 0x3000, NULL, 0x20,
		0x1000);
	/* The end of guest memory, all bss, touching the limit. */
	elf_add(&image, PT_LOAD, PF_R | PF_W, MAX_GPA - 0x1000, NULL, 0,
		0x1000);
	text = image.buf + DATA_START + 16 + 0x100;
	data = text + 0x40;

	/* Module data need not be aligned. */
	memcpy(unaligned + 1, image.buf, image.size);
	assert_true(elf_load(unaligned + 1, image.size, MIN_GPA, MAX_GPA,
			     guest_write, &guest, &entry, &error));
	assert_true(entry == GUEST_BASE + 0x2004);
	assert_memory_equal(guest_at(GUEST_BASE), image.buf + DATA_START + 16,
			    0x100);
	assert_true(all_bytes(guest_at(GUEST_BASE + 0x100), 0xaa, 0x1f00));
	assert_memory_equal(guest_at(GUEST_BASE + 0x2000), text, 0x40);
	assert_memory_equal(guest_at(GUEST_BASE + 0x3000), data, 0x20);
	assert_true(all_bytes(guest_at(GUEST_BASE + 0x3020), 0, 0x1000 - 0x20));
	assert_true(all_bytes(guest_at(GUEST_BASE + 0x4000), 0xaa, 0x10));
	assert_true(all_bytes(guest_at(MAX_GPA - 0x1000), 0, 0x1000));
	/* Two data writes, two bss writes, and nothing for the note. */
	assert_int_equal(guest.writes, 5);
}

static void good_image(void)
{
	elf_begin(&image, GUEST_BASE + 0x10);
	elf_add(&image, PT_LOAD, PF_R | PF_X, GUEST_BASE, NULL, 0x100, 0x200);
}

static void test_rejects_bad_headers(void **state)
{
	(void)state;
	good_image();
	expect_reject_range(EHDR_SIZE - 1, MIN_GPA, MAX_GPA, "not an ELF file");
	image.buf[1] = 'e';
	expect_reject("not an ELF file");
	good_image();
	image.buf[4] = 1;
	expect_reject("not a 64-bit ELF file");
	good_image();
	image.buf[5] = 2;
	expect_reject("not a little-endian ELF file");
	good_image();
	image.buf[6] = 0;
	expect_reject("unsupported ELF version");
	good_image();
	put(image.buf + 20, 2, 4);
	expect_reject("unsupported ELF version");
	good_image();
	put(image.buf + 18, 3, 2); /* EM_386 */
	expect_reject("not an x86-64 ELF file");
	good_image();
	put(image.buf + 16, 3, 2); /* ET_DYN */
	expect_reject("not an executable ELF file");
}

static void test_rejects_bad_program_header_table(void **state)
{
	(void)state;
	good_image();
	put(image.buf + 54, 32, 2);
	expect_reject("program header entries too small");
	good_image();
	put(image.buf + 56, 65, 2);
	expect_reject("too many program headers");
	good_image();
	put(image.buf + 56, 0xffff, 2); /* PN_XNUM */
	expect_reject("too many program headers");
	good_image();
	put(image.buf + 32, UINT64_MAX - 8, 8);
	expect_reject("program header table outside the file");
	good_image();
	put(image.buf + 32, image.size - PHDR_SIZE + 1, 8);
	expect_reject("program header table outside the file");
	/* Entries may be larger than 56 bytes, but the table must still fit. */
	good_image();
	put(image.buf + 54, 0x1000, 2);
	expect_reject("program header table outside the file");
}

static void test_rejects_missing_segments(void **state)
{
	(void)state;
	elf_begin(&image, GUEST_BASE);
	expect_reject("no loadable segment");
	elf_add(&image, PT_NOTE, PF_R | PF_X, GUEST_BASE, NULL, 8, 8);
	expect_reject("no loadable segment");
}

static void test_rejects_segment_data_outside_file(void **state)
{
	u8 *ph;

	(void)state;
	good_image();
	ph = image.buf + EHDR_SIZE;
	put(ph + 8, image.size + 1, 8);
	put(ph + 32, 0, 8);
	expect_reject("segment data outside the file");
	good_image();
	put(ph + 8, image.size - 0xff, 8);
	expect_reject("segment data outside the file");
	good_image();
	put(ph + 8, 16, 8);
	put(ph + 32, UINT64_MAX - 8, 8); /* offset + filesz wraps */
	put(ph + 40, UINT64_MAX, 8);
	expect_reject("segment data outside the file");
}

static void test_rejects_bad_segment(void **state)
{
	u8 *ph;

	(void)state;
	good_image();
	ph = image.buf + EHDR_SIZE;
	put(ph + 40, 0xff, 8);
	expect_reject("segment file size larger than its memory size");
	good_image();
	put(ph + 16, 0xffffffff80000000ull, 8);
	expect_reject("segment virtual and physical addresses differ");
}

static void test_rejects_segment_outside_range(void **state)
{
	u8 *ph;

	(void)state;
	elf_begin(&image, GUEST_BASE - 0x1000);
	elf_add(&image, PT_LOAD, PF_X, GUEST_BASE - 0x1000, NULL, 16, 16);
	expect_reject("segment outside the allowed range");
	elf_begin(&image, MAX_GPA - 0x10);
	elf_add(&image, PT_LOAD, PF_X, MAX_GPA - 0x10, NULL, 16, 17);
	expect_reject("segment outside the allowed range");
	elf_begin(&image, MAX_GPA + 0x10);
	elf_add(&image, PT_LOAD, PF_X, MAX_GPA + 0x10, NULL, 0, 0);
	expect_reject("segment outside the allowed range");
	/* An end past 2^64 must not wrap back into the range. */
	elf_begin(&image, 0xfffffffffffff000ull);
	ph = elf_add(&image, PT_LOAD, PF_X, 0xfffffffffffff000ull, NULL, 16,
		     16);
	put(ph + 40, 0x2000, 8);
	expect_reject_range(image.size, MIN_GPA, UINT64_MAX,
			    "segment outside the allowed range");
}

static void test_rejects_overlapping_segments(void **state)
{
	(void)state;
	good_image();
	elf_add(&image, PT_LOAD, PF_R, GUEST_BASE + 0x400, NULL, 0x10, 0x100);
	elf_add(&image, PT_LOAD, PF_R, GUEST_BASE + 0x1ff, NULL, 0x10, 0x10);
	expect_reject("segments overlap");
	/* Contained in an earlier one. */
	good_image();
	elf_add(&image, PT_LOAD, PF_R, GUEST_BASE + 0x80, NULL, 0, 0x10);
	expect_reject("segments overlap");
}

static void test_rejects_bad_entry(void **state)
{
	(void)state;
	good_image();
	put(image.buf + 24, GUEST_BASE + 0x200, 8); /* one past the end */
	expect_reject("entry point not in an executable segment");
	good_image();
	put(image.buf + 24, GUEST_BASE - 1, 8);
	expect_reject("entry point not in an executable segment");
	/* Inside a loaded segment that is not executable. */
	good_image();
	elf_add(&image, PT_LOAD, PF_R | PF_W, GUEST_BASE + 0x1000, NULL, 8, 8);
	put(image.buf + 24, GUEST_BASE + 0x1004, 8);
	expect_reject("entry point not in an executable segment");
}

static void test_reports_failed_write(void **state)
{
	const char *error = NULL;
	u64 entry = 0;

	(void)state;
	elf_begin(&image, MAX_GPA + 0x10);
	elf_add(&image, PT_LOAD, PF_X, MAX_GPA, NULL, 0x20, 0x20);
	assert_false(elf_load(image.buf, image.size, MIN_GPA, MAX_GPA + 0x1000,
			      guest_write, &guest, &entry, &error));
	assert_string_equal(error, "guest memory write failed");
}

#define TEST(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_loads_single_segment),
		TEST(test_loads_segments_with_bss),
		TEST(test_rejects_bad_headers),
		TEST(test_rejects_bad_program_header_table),
		TEST(test_rejects_missing_segments),
		TEST(test_rejects_segment_data_outside_file),
		TEST(test_rejects_bad_segment),
		TEST(test_rejects_segment_outside_range),
		TEST(test_rejects_overlapping_segments),
		TEST(test_rejects_bad_entry),
		TEST(test_reports_failed_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
