/* Host unit tests for arch/x86/guest_walk.c.
 *
 * Page tables are built in a fake guest RAM buffer covering guest-physical
 * [0, RAM_SIZE); the read callback refuses anything outside it, as the
 * hypervisor's does for non-RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/guest_walk.h"

#define RAM_SIZE MiB(8)
#define OUTSIDE_RAM 0x7f000000ull

#define CR0_PG (1ull << 31)
#define CR0_PE (1ull << 0)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define P 0x1ull
#define RW 0x2ull
#define PS 0x80ull
#define NX (1ull << 63)

struct fake_ram {
	u8 *bytes;
	u32 reads;
};

static struct fake_ram ram;

static bool ram_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	struct fake_ram *r = ctx;

	r->reads++;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return false;
	memcpy(buf, r->bytes + gpa, len);
	return true;
}

static void put32(u64 gpa, u32 v)
{
	assert_true(gpa + 4 <= RAM_SIZE);
	memcpy(ram.bytes + gpa, &v, 4);
}

static void put64(u64 gpa, u64 v)
{
	assert_true(gpa + 8 <= RAM_SIZE);
	memcpy(ram.bytes + gpa, &v, 8);
}

static int setup(void **state)
{
	(void)state;
	ram.bytes = calloc(1, RAM_SIZE);
	ram.reads = 0;
	return ram.bytes ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram.bytes);
	ram.bytes = NULL;
	return 0;
}

static u64 walk_ok(const struct guest_paging *p, u64 gva)
{
	u64 gpa = 0xdead;

	assert_int_equal(guest_walk(p, gva, ram_read, &ram, &gpa), WALK_OK);
	return gpa;
}

static enum walk_status walk_status_of(const struct guest_paging *p, u64 gva)
{
	u64 gpa;

	return guest_walk(p, gva, ram_read, &ram, &gpa);
}

static void test_paging_off(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE, .cr4 = CR4_PAE };
	u8 buf[8];

	(void)state;
	assert_true(walk_ok(&p, 0x1234) == 0x1234);
	assert_true(walk_ok(&p, 0x123456789ull) == 0x23456789);
	assert_int_equal(ram.reads, 0);

	memcpy(ram.bytes + RAM_SIZE - 4, "abcd", 4);
	assert_int_equal(guest_read_virt(&p, RAM_SIZE - 4, buf, 8, ram_read,
					 &ram), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(guest_read_virt(&p, RAM_SIZE, buf, 8, ram_read,
					 &ram), 0);
	assert_int_equal(guest_read_virt(&p, 0, buf, 0, ram_read, &ram), 0);
}

static void test_32bit(void **state)
{
	/* CR3's low flag bits (PWT, PCD) are not part of the address. */
	struct guest_paging p = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1018 };

	(void)state;
	/* gva 0x00403abc: PD index 1, PT index 3. */
	put32(0x1000 + 1 * 4, 0x2000 | P | RW);
	put32(0x2000 + 3 * 4, 0x5000 | P | 0x60);
	assert_true(walk_ok(&p, 0x00403abc) == 0x5abc);
	/* Upper gva bits do not exist outside long mode. */
	assert_true(walk_ok(&p, 0xf00000000403abcull) == 0x5abc);

	/* Not present at either level. */
	assert_int_equal(walk_status_of(&p, 0x00404000), WALK_NOT_PRESENT);
	assert_int_equal(walk_status_of(&p, 0x00800000), WALK_NOT_PRESENT);
	put32(0x2000 + 5 * 4, 0x6000); /* P clear */
	assert_int_equal(walk_status_of(&p, 0x00405000), WALK_NOT_PRESENT);

	/* A page table outside RAM. */
	put32(0x1000 + 3 * 4, (u32)OUTSIDE_RAM | P);
	assert_int_equal(walk_status_of(&p, 0x00c00000), WALK_BAD_TABLE);
	/* The page itself may be anywhere: the walk does not read it. */
	put32(0x2000 + 6 * 4, 0xfffff000 | P);
	assert_true(walk_ok(&p, 0x00406123) == 0xfffff123);

	p.cr3 = OUTSIDE_RAM;
	assert_int_equal(walk_status_of(&p, 0), WALK_BAD_TABLE);
}

static void test_32bit_large_pages(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000,
				  .cr4 = CR4_PSE };

	(void)state;
	/* PDE 2 maps 4 MiB at 0x400000 when CR4.PSE is set ... */
	put32(0x1000 + 2 * 4, 0x00400000 | PS | P);
	assert_true(walk_ok(&p, 0x00812345) == 0x00412345);
	/* ... and is a page-table pointer when it is not. */
	put32(0x00400000 + 0x12 * 4, 0x7000 | P);
	p.cr4 = 0;
	assert_true(walk_ok(&p, 0x00812345) == 0x7345);

	/* PSE-36: PDE bits 20:13 give physical bits 39:32. */
	p.cr4 = CR4_PSE;
	put32(0x1000 + 3 * 4, 0xffc00000 | (0x85u << 13) | PS | P);
	assert_true(walk_ok(&p, 0x00fabcde) == 0x85fffabcdeull);
}

static void test_pae(void **state)
{
	/* CR3 bits 31:5 locate the PDPT, so it need not be page aligned. */
	struct guest_paging p = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x3020,
				  .cr4 = CR4_PAE };
	u64 gva = (3ull << 30) | (5ull << 21) | (7ull << 12) | 0x123;

	(void)state;
	put64(0x3020 + 3 * 8, 0x4000 | P);
	put64(0x4000 + 5 * 8, 0x6000 | P | RW);
	put64(0x6000 + 7 * 8, NX | 0x9000 | P);
	assert_true(walk_ok(&p, gva) == 0x9123);

	/* 2 MiB page; NX must not leak into the address. */
	put64(0x4000 + 6 * 8, NX | 0x00600000 | PS | P);
	assert_true(walk_ok(&p, (3ull << 30) | (6ull << 21) | 0x1abcde) ==
		    0x007abcde);
	/* Physical addresses above 4 GiB are reachable with PAE. */
	put64(0x6000 + 8 * 8, 0x000ffffffffff000ull | P);
	assert_true(walk_ok(&p, (3ull << 30) | (5ull << 21) | (8ull << 12)) ==
		    0x000ffffffffff000ull);

	assert_int_equal(walk_status_of(&p, 0), WALK_NOT_PRESENT); /* PDPTE */
	assert_int_equal(walk_status_of(&p, 3ull << 30), WALK_NOT_PRESENT);
	put64(0x3020 + 2 * 8, OUTSIDE_RAM | P);
	assert_int_equal(walk_status_of(&p, 2ull << 30), WALK_BAD_TABLE);
	p.cr3 = OUTSIDE_RAM;
	assert_int_equal(walk_status_of(&p, 0), WALK_BAD_TABLE);
}

static void test_long_mode(void **state)
{
	/* CR3 bits 11:0 hold a PCID, not address bits. */
	struct guest_paging p = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x10005,
				  .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };

	(void)state;
	/* 0xffffffff80001abc: PML4 511, PDPT 510, PD 0, PT 1. */
	put64(0x10000 + 511 * 8, 0x11000 | P | RW);
	put64(0x11000 + 510 * 8, 0x12000 | P | RW);
	put64(0x12000 + 0 * 8, 0x13000 | P | RW);
	put64(0x13000 + 1 * 8, NX | (0x7ffull << 52) | 0x20000 | P);
	assert_true(walk_ok(&p, 0xffffffff80001abcull) == 0x20abc);

	/* 2 MiB page at PD index 1. */
	put64(0x12000 + 1 * 8, NX | 0x00600000 | PS | P);
	assert_true(walk_ok(&p, 0xffffffff80212345ull) == 0x00612345);

	/* 1 GiB page: PML4 0, PDPT 0. */
	put64(0x10000 + 0 * 8, 0x14000 | P);
	put64(0x14000 + 0 * 8, NX | 0x40000000 | PS | P);
	assert_true(walk_ok(&p, 0x12345678) == 0x52345678);
	/* 1 GiB page above 4 GiB. */
	put64(0x14000 + 1 * 8, 0x0000004000000000ull | PS | P);
	assert_true(walk_ok(&p, 0x7fedcba9) == 0x4000000000ull + 0x3fedcba9);

	/* Not present at each level. */
	assert_int_equal(walk_status_of(&p, 0x0000008000000000ull),
			 WALK_NOT_PRESENT); /* PML4 1 */
	assert_int_equal(walk_status_of(&p, 0x00000000c0000000ull),
			 WALK_NOT_PRESENT); /* PDPT 3 */
	assert_int_equal(walk_status_of(&p, 0xffffffff80400000ull),
			 WALK_NOT_PRESENT); /* PD 2 */
	assert_int_equal(walk_status_of(&p, 0xffffffff80002000ull),
			 WALK_NOT_PRESENT); /* PT 2 */

	/* Non-canonical addresses have no translation. */
	assert_int_equal(walk_status_of(&p, 0x0000800000000000ull),
			 WALK_NOT_PRESENT);
	assert_int_equal(walk_status_of(&p, 0x8000000000000000ull),
			 WALK_NOT_PRESENT);

	/* Tables outside RAM. */
	put64(0x14000 + 2 * 8, OUTSIDE_RAM | P);
	assert_int_equal(walk_status_of(&p, 0x80000000), WALK_BAD_TABLE);
	put64(0x10000 + 2 * 8, 0x000ff00000000000ull | P);
	assert_int_equal(walk_status_of(&p, 0x0000010000000000ull),
			 WALK_BAD_TABLE);
	p.cr3 = OUTSIDE_RAM;
	assert_int_equal(walk_status_of(&p, 0), WALK_BAD_TABLE);
}

static void test_five_level(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x20000,
				  .cr4 = CR4_PAE | CR4_LA57,
				  .efer = EFER_LME | EFER_LMA };
	u64 gva = (1ull << 48) | (2ull << 39) | (3ull << 30) | (4ull << 21) |
		  (5ull << 12) | 0x678;

	(void)state;
	put64(0x20000 + 1 * 8, 0x21000 | P);
	put64(0x21000 + 2 * 8, 0x22000 | P);
	put64(0x22000 + 3 * 8, 0x23000 | P);
	put64(0x23000 + 4 * 8, 0x24000 | P);
	put64(0x24000 + 5 * 8, 0x30000 | P);
	assert_true(walk_ok(&p, gva) == 0x30678);

	/* 57-bit canonical: bits 63:57 copy bit 56. */
	put64(0x20000 + 511 * 8, 0x25000 | P);
	put64(0x25000 + 511 * 8, 0x26000 | P);
	put64(0x26000 + 511 * 8, NX | 0x40000000 | PS | P);
	assert_true(walk_ok(&p, 0xfffffffffff12345ull) == 0x7ff12345);
	assert_int_equal(walk_status_of(&p, 1ull << 57), WALK_NOT_PRESENT);

	/* Without LA57 the same address is not canonical. */
	p.cr4 = CR4_PAE;
	assert_int_equal(walk_status_of(&p, gva), WALK_NOT_PRESENT);
}

static void test_read_virt_crosses_pages(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x10000,
				  .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
	u64 gva = 0x200000 - 8; /* 8 bytes before the end of PT index 511 */
	u8 buf[32], *big;

	(void)state;
	/* Virtual pages 0x1ff000, 0x200000 map to 0x51000, 0x50000. */
	put64(0x10000, 0x11000 | P);
	put64(0x11000, 0x12000 | P);
	put64(0x12000 + 0 * 8, 0x13000 | P);
	put64(0x12000 + 1 * 8, 0x14000 | P);
	put64(0x13000 + 511 * 8, 0x51000 | P);
	put64(0x14000 + 0 * 8, 0x50000 | P);
	put64(0x14000 + 1 * 8, OUTSIDE_RAM | P); /* page outside RAM */
	memcpy(ram.bytes + 0x51ff8, "01234567", 8);
	memcpy(ram.bytes + 0x50000, "89abcdefghijklmn", 16);

	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_read_virt(&p, gva, buf, 16, ram_read, &ram),
			 16);
	assert_memory_equal(buf, "0123456789abcdef", 16);

	/* Within one page. */
	assert_int_equal(guest_read_virt(&p, 0x200004, buf, 4, ram_read,
					 &ram), 4);
	assert_memory_equal(buf, "cdef", 4);

	/* Stops at a page that is not mapped ... */
	assert_int_equal(guest_read_virt(&p, 0x1ff000 - 4, buf, 16, ram_read,
					 &ram), 0);
	/* ... or that is mapped outside RAM. */
	assert_int_equal(guest_read_virt(&p, 0x201000 - 3, buf, 16, ram_read,
					 &ram), 3);
	assert_memory_equal(buf, "\0\0\0", 3);

	/* Across three pages, the last one failing. */
	big = malloc(8192);
	assert_non_null(big);
	assert_int_equal(guest_read_virt(&p, 0x1ffff0, big, 8192, ram_read,
					 &ram), 16 + 4096);
	assert_memory_equal(big + 8, "0123456789abcdef", 16);
	free(big);
}

static void test_read_virt_32bit(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000,
				  .cr4 = CR4_PSE };
	u8 buf[8];

	(void)state;
	/* The last 4 MiB of the address space, then a wrap to 0. */
	put32(0x1000 + 1023 * 4, 0x00400000 | PS | P);
	put32(0x1000 + 0 * 4, 0x2000 | P);
	put32(0x2000 + 0 * 4, 0x3000 | P);
	memcpy(ram.bytes + 0x7ffffe, "xy", 2);
	memcpy(ram.bytes + 0x3000, "zw", 2);
	assert_int_equal(guest_read_virt(&p, 0xfffffffe, buf, 4, ram_read,
					 &ram), 4);
	assert_memory_equal(buf, "xyzw", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paging_off, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_large_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_five_level, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_virt_crosses_pages,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_virt_32bit, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
