/* Host unit tests for arch/x86/acpi.c and acpi_madt.c.
 *
 * Tables are built in a fake "physical memory" array. The map callback hands
 * out a private heap copy of exactly the requested length, so a sanitizer
 * build (-fsanitize=address) catches any read past what the parser mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/acpi.h"

#define FAKE_BASE 0x80000ull
#define FAKE_SIZE KiB(128)
#define FAKE_MAX_MAPS 512

#define RSDT_PHYS 0x80100ull
#define XSDT_PHYS 0x80203ull /* odd on purpose: entries end up unaligned */
#define MADT_PHYS 0x81000ull
#define FADT_PHYS 0x82000ull
#define HPET_PHYS 0x83000ull
#define BIG_PHYS 0x84000ull
#define OUTSIDE_PHYS 0x200000ull

struct fake_mem {
	u8 bytes[FAKE_SIZE];
	void *maps[FAKE_MAX_MAPS];
	u32 map_count;
	u64 max_len;      /* longest mapping requested */
	u64 fail_phys;    /* refuse mappings of this address ... */
	u64 fail_min_len; /* ... that are at least this long */
};

static struct fake_mem mem;
static struct acpi_info info;
static u8 rsdp[36];
static const char *error;

static const void *fake_map(u64 phys, u64 len, void *ctx)
{
	struct fake_mem *m = ctx;
	u8 *copy;

	if (len > m->max_len)
		m->max_len = len;
	if (m->fail_phys && phys == m->fail_phys && len >= m->fail_min_len)
		return NULL;
	if (phys < FAKE_BASE || len > FAKE_SIZE ||
	    phys - FAKE_BASE > FAKE_SIZE - len)
		return NULL;
	assert_true(m->map_count < FAKE_MAX_MAPS);
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, &m->bytes[phys - FAKE_BASE], len);
	m->maps[m->map_count++] = copy;
	return copy;
}

#define UNUSED __attribute__((unused))

static int setup(void **state UNUSED)
{
	memset(&mem, 0, sizeof(mem));
	memset(&info, 0xa5, sizeof(info)); /* acpi_parse must clear it */
	error = NULL;
	return 0;
}

static int teardown(void **state UNUSED)
{
	u32 i;

	for (i = 0; i < mem.map_count; i++)
		free(mem.maps[i]);
	mem.map_count = 0;
	return 0;
}

static u8 *at(u64 phys)
{
	assert_true(phys >= FAKE_BASE && phys < FAKE_BASE + FAKE_SIZE);
	return &mem.bytes[phys - FAKE_BASE];
}

/* Store the low @n bytes of @v, little-endian like the host and ACPI. */
static void put(u8 *p, u64 v, u32 n)
{
	memcpy(p, &v, n);
}

static u32 table_len(u64 phys)
{
	u32 len;

	memcpy(&len, at(phys) + 4, sizeof(len));
	return len;
}

static void table_set_len(u64 phys, u32 len)
{
	put(at(phys) + 4, len, 4);
}

/* Recompute the checksum byte over the length the header claims. */
static void table_fix(u64 phys)
{
	u8 *t = at(phys);

	t[9] = 0;
	t[9] = (u8)-acpi_checksum(t, table_len(phys));
}

static void table_init(u64 phys, const char *sig, u32 len)
{
	u8 *t = at(phys);

	memset(t, 0, len);
	memcpy(t, sig, 4);
	table_set_len(phys, len);
	t[8] = 1;
	memcpy(t + 10, "HOLDFS", 6);
	table_fix(phys);
}

static void root_make(u64 phys, const char *sig, const u64 *entries, u32 n)
{
	u32 esize = memcmp(sig, "XSDT", 4) ? 4 : 8;
	u32 i;

	table_init(phys, sig, 36 + n * esize);
	for (i = 0; i < n; i++)
		memcpy(at(phys) + 36 + i * esize, &entries[i], esize);
	table_fix(phys);
}

static void rsdp_make(u8 revision, u32 rsdt, u64 xsdt)
{
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "HOLDFS", 6);
	rsdp[15] = revision;
	put(rsdp + 16, rsdt, 4);
	put(rsdp + 20, 36, 4);
	put(rsdp + 24, xsdt, 8);
	rsdp[8] = (u8)-acpi_checksum(rsdp, 20);
	rsdp[32] = (u8)-acpi_checksum(rsdp, 36);
}

static void madt_begin(u32 lapic, u32 flags)
{
	table_init(MADT_PHYS, "APIC", 44);
	put(at(MADT_PHYS) + 36, lapic, 4);
	put(at(MADT_PHYS) + 40, flags, 4);
	table_fix(MADT_PHYS);
}

/* Append raw entry bytes; @e[1] is the entry's claimed length, @n the bytes
 * actually added (they differ in the corrupt-entry tests). */
static void madt_add_raw(u64 phys, const u8 *e, u32 n)
{
	u32 len = table_len(phys);

	memcpy(at(phys) + len, e, n);
	table_set_len(phys, len + n);
	table_fix(phys);
}

static void madt_add(u64 phys, const u8 *e)
{
	madt_add_raw(phys, e, e[1]);
}

/* MADT entries as byte arrays, so each test shows the layout it feeds. */
#define B2(v) (u8)(v), (u8)((v) >> 8)
#define B4(v) B2(v), B2((v) >> 16)
#define B8(v) B4((u64)(v)), B4((u64)(v) >> 32)
#define LAPIC(uid, id, flags) (const u8[]){ 0, 8, uid, id, B4(flags) }
#define IOAPIC(id, addr, gsi) (const u8[]){ 1, 12, id, 0, B4(addr), B4(gsi) }
#define OVERRIDE(irq, gsi, flags) \
	(const u8[]){ 2, 10, 0, irq, B4(gsi), B2(flags) }
#define LAPIC_ADDR(addr) (const u8[]){ 5, 12, 0, 0, B8(addr) }
#define X2APIC(id, flags, uid) \
	(const u8[]){ 9, 16, 0, 0, B4(id), B4(flags), B4(uid) }

static void fadt_make(u32 len, u32 pm_tmr, u32 flags, u8 x_space, u64 x_addr)
{
	u8 *t = at(FADT_PHYS);

	table_init(FADT_PHYS, "FACP", len);
	put(t + 76, pm_tmr, 4);
	put(t + 112, flags, 4);
	if (len >= 220) {
		t[208] = x_space;
		put(t + 212, x_addr, 8);
	}
	table_fix(FADT_PHYS);
}

static void hpet_make(u8 space, u64 addr)
{
	u8 *t = at(HPET_PHYS);

	table_init(HPET_PHYS, "HPET", 56);
	t[40] = space;
	put(t + 44, addr, 8);
	table_fix(HPET_PHYS);
}

/* A plain ACPI 1.0 machine: RSDT -> MADT (2 CPUs), FADT, HPET. */
static void platform_make_v1(void)
{
	const u64 entries[] = { MADT_PHYS, FADT_PHYS, HPET_PHYS };

	madt_begin(0xfee00000, 1);
	madt_add(MADT_PHYS, LAPIC(0, 0, 1));
	madt_add(MADT_PHYS, LAPIC(1, 1, 1));
	fadt_make(116, 0x408, 0, 0, 0);
	hpet_make(0, 0xfed00000);
	root_make(RSDT_PHYS, "RSDT", entries, 3);
	rsdp_make(0, RSDT_PHYS, 0);
}

static bool parse(u32 rsdp_len)
{
	return acpi_parse(rsdp, rsdp_len, 0xf0000, fake_map, &mem, &info,
			  &error);
}

static void assert_cpu(u32 i, u32 apic_id, u32 uid, bool enabled,
		       bool online_capable, bool x2apic_entry)
{
	const struct acpi_cpu *c = &info.cpus[i];

	assert_int_equal(c->apic_id, apic_id);
	assert_int_equal(c->uid, uid);
	assert_int_equal(c->enabled, enabled);
	assert_int_equal(c->online_capable, online_capable);
	assert_int_equal(c->x2apic_entry, x2apic_entry);
}

/* Start a test over within the same function: fresh memory, plain platform. */
static void reset(void **state)
{
	teardown(state);
	setup(state);
	platform_make_v1();
}

static bool has_warning(const char *needle)
{
	u32 i;

	for (i = 0; i < info.warning_count; i++)
		if (strstr(info.warnings[i], needle))
			return true;
	return false;
}

#define TEST(name) static void name(void **state UNUSED)

TEST(test_checksum)
{
	const u8 ok[] = { 0x10, 0x20, 0xd0 };
	const u8 bad[] = { 0x10, 0x20, 0xd1 };

	assert_int_equal(acpi_checksum(ok, sizeof(ok)), 0);
	assert_int_equal(acpi_checksum(bad, sizeof(bad)), 1);
	assert_int_equal(acpi_checksum(bad, 0), 0);
}

TEST(test_acpi1_rsdt)
{
	platform_make_v1();
	assert_true(parse(20));
	assert_null(error);
	assert_int_equal(info.revision, 0);
	assert_int_equal(info.rsdp_phys, 0xf0000);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_phys, RSDT_PHYS);
	assert_true(info.has_madt);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus_enabled, 2);
	assert_true(info.pcat_compat);
	assert_int_equal(info.lapic_address, 0xfee00000);
	assert_int_equal(info.lapic_address64, 0xfee00000);
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0x408);
	assert_true(info.has_hpet);
	assert_int_equal(info.hpet_address, 0xfed00000);
	assert_int_equal(info.warning_count, 0);
}

TEST(test_acpi2_xsdt)
{
	const u64 entries[] = { MADT_PHYS, FADT_PHYS, HPET_PHYS };

	platform_make_v1();
	/* The RSDT lists nothing, so anything found came via the XSDT. */
	root_make(RSDT_PHYS, "RSDT", NULL, 0);
	root_make(XSDT_PHYS, "XSDT", entries, 3);
	rsdp_make(2, RSDT_PHYS, XSDT_PHYS);
	assert_true(parse(36));
	assert_int_equal(info.revision, 2);
	assert_true(info.root_is_xsdt);
	assert_int_equal(info.root_phys, XSDT_PHYS);
	assert_true(info.has_madt && info.has_fadt && info.has_hpet);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.warning_count, 0);

	reset(state);
	root_make(XSDT_PHYS, "XSDT", NULL, 0);
	rsdp_make(2, RSDT_PHYS, XSDT_PHYS);
	/* Multiboot's "old ACPI" tag only carries the 20-byte part. */
	assert_true(parse(20));
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_phys, RSDT_PHYS);
	assert_true(info.has_madt);
	assert_int_equal(info.warning_count, 0);
}

TEST(test_nothing_usable)
{
	platform_make_v1();
	rsdp[0] = 'X';
	rsdp[8] -= 'X' - 'R'; /* checksum still right */
	assert_false(parse(20));
	assert_non_null(strstr(error, "signature"));

	reset(state);
	rsdp[8]++;
	assert_false(parse(20));
	assert_non_null(strstr(error, "checksum"));

	reset(state);
	assert_false(parse(19));
	assert_non_null(error);

	reset(state);
	assert_false(acpi_parse(NULL, 36, 0, fake_map, &mem, &info, &error));
	assert_non_null(error);

	reset(state);
	rsdp_make(0, 0, 0);
	assert_false(parse(20));
	assert_non_null(error);

	/* No usable root table. */
	reset(state);
	at(RSDT_PHYS)[36]++;
	assert_false(parse(20));
	assert_non_null(error);
	assert_true(has_warning("checksum bad"));

	reset(state);
	table_set_len(RSDT_PHYS, ACPI_MAX_TABLE_LEN + 1);
	assert_false(parse(20));
	assert_non_null(error);
	assert_true(has_warning("implausibly long"));
}

TEST(test_bad_xsdt_falls_back)
{
	const u64 entries[] = { MADT_PHYS };

	platform_make_v1();
	root_make(XSDT_PHYS, "XSDT", entries, 1);
	at(XSDT_PHYS)[20]++;
	rsdp_make(2, RSDT_PHYS, XSDT_PHYS);
	assert_true(parse(36));
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_phys, RSDT_PHYS);
	assert_true(info.has_madt && info.has_fadt && info.has_hpet);
	assert_true(has_warning("checksum bad"));
	assert_true(has_warning("falling back to RSDT"));

	reset(state);
	root_make(XSDT_PHYS, "RSDT", entries, 1);
	rsdp_make(2, RSDT_PHYS, XSDT_PHYS);
	assert_true(parse(36));
	assert_false(info.root_is_xsdt);
	assert_true(has_warning("signature"));
	assert_true(has_warning("falling back to RSDT"));

	reset(state);
	rsdp_make(2, RSDT_PHYS, OUTSIDE_PHYS);
	assert_true(parse(36));
	assert_false(info.root_is_xsdt);
	assert_true(info.has_madt);
	assert_true(has_warning("not mappable"));
	assert_true(has_warning("falling back to RSDT"));

	reset(state);
	root_make(XSDT_PHYS, "XSDT", entries, 1);
	rsdp_make(2, RSDT_PHYS, XSDT_PHYS);
	rsdp[33] ^= 0x55; /* reserved byte: only the extended checksum sees it */
	assert_true(parse(36));
	assert_false(info.root_is_xsdt);
	assert_true(info.has_fadt); /* only the RSDT lists the FADT */
	assert_true(has_warning("extended checksum"));
}

TEST(test_madt_full)
{
	const u8 nmi[6] = { 4, 6, 0xff, 5, 0, 1 }; /* LAPIC NMI: ignored */

	platform_make_v1();
	madt_begin(0xfee00000, 0);
	madt_add(MADT_PHYS, LAPIC(0, 0, 1)); /* enabled */
	madt_add(MADT_PHYS, LAPIC(1, 1, 2)); /* online capable */
	madt_add(MADT_PHYS, LAPIC(2, 2, 0)); /* neither: dropped */
	madt_add(MADT_PHYS, LAPIC(3, 3, 3)); /* enabled; online-capable bit ignored */
	madt_add_raw(MADT_PHYS, nmi, sizeof(nmi));
	madt_add(MADT_PHYS, X2APIC(300, 1, 300));
	madt_add(MADT_PHYS, X2APIC(301, 2, 301));
	madt_add(MADT_PHYS, IOAPIC(2, 0xfec00000, 0));
	madt_add(MADT_PHYS, IOAPIC(3, 0xfec01000, 24));
	madt_add(MADT_PHYS, OVERRIDE(0, 2, 0));
	madt_add(MADT_PHYS, OVERRIDE(9, 9, 0xd));
	madt_add(MADT_PHYS, LAPIC_ADDR(0xfee10000));
	assert_true(parse(20));
	assert_int_equal(info.warning_count, 0);
	assert_false(info.pcat_compat);

	assert_int_equal(info.cpu_count, 5);
	assert_int_equal(info.cpus_enabled, 3);
	assert_cpu(0, 0, 0, true, false, false);
	assert_cpu(1, 1, 1, false, true, false);
	assert_cpu(2, 3, 3, true, false, false);
	assert_cpu(3, 300, 300, true, false, true);
	assert_cpu(4, 301, 301, false, true, true);

	assert_int_equal(info.ioapic_count, 2);
	assert_int_equal(info.ioapics[0].id, 2);
	assert_int_equal(info.ioapics[0].address, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.ioapics[1].id, 3);
	assert_int_equal(info.ioapics[1].address, 0xfec01000);
	assert_int_equal(info.ioapics[1].gsi_base, 24);

	assert_int_equal(info.override_count, 2);
	assert_int_equal(info.overrides[0].source_irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[1].source_irq, 9);
	assert_int_equal(info.overrides[1].gsi, 9);
	assert_int_equal(info.overrides[1].flags, 0xd);

	assert_int_equal(info.lapic_address, 0xfee10000);
	assert_int_equal(info.lapic_address64, 0xfee10000);

	reset(state);
	madt_add(MADT_PHYS, LAPIC_ADDR(0x100000000ull));
	assert_true(parse(20));
	assert_int_equal(info.lapic_address, 0xfee00000);
	assert_int_equal(info.lapic_address64, 0x100000000ull);
}

TEST(test_madt_duplicate_apic_ids)
{
	platform_make_v1();
	madt_begin(0xfee00000, 1);
	madt_add(MADT_PHYS, LAPIC(5, 5, 1));
	madt_add(MADT_PHYS, X2APIC(5, 1, 5));
	/* Online capable as xAPIC, enabled as x2APIC: one enabled CPU. */
	madt_add(MADT_PHYS, LAPIC(6, 6, 2));
	madt_add(MADT_PHYS, X2APIC(6, 1, 6));
	madt_add(MADT_PHYS, LAPIC(5, 5, 1));
	assert_true(parse(20));
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus_enabled, 2);
	assert_cpu(0, 5, 5, true, false, false);
	assert_cpu(1, 6, 6, true, false, false);
	assert_int_equal(info.warning_count, 0);

	/* Broadcast IDs never name a real CPU. */
	reset(state);
	madt_begin(0xfee00000, 1);
	madt_add(MADT_PHYS, LAPIC(0, 0xff, 1));
	madt_add(MADT_PHYS, X2APIC(0xffffffff, 1, 1));
	madt_add(MADT_PHYS, LAPIC(2, 2, 1));
	assert_true(parse(20));
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.cpus[0].apic_id, 2);
}

TEST(test_madt_entry_length_zero)
{
	const u8 zero[8] = { 0, 0, 7, 7, 1 };

	platform_make_v1();
	madt_begin(0xfee00000, 1);
	madt_add(MADT_PHYS, LAPIC(0, 0, 1));
	madt_add_raw(MADT_PHYS, zero, sizeof(zero));
	madt_add(MADT_PHYS, LAPIC(1, 1, 1));
	assert_true(parse(20));
	assert_true(info.has_madt);
	assert_int_equal(info.cpu_count, 1);
	assert_true(has_warning("length < 2"));
	/* The rest of the platform is unaffected. */
	assert_true(info.has_fadt && info.has_hpet);
}

TEST(test_madt_entry_truncated)
{
	const u8 one[2] = { 0, 1 };
	const u8 lie[8] = { 9, 16, 0, 0, 4 };
	const u8 stray = 0;

	platform_make_v1();
	madt_add_raw(MADT_PHYS, one, sizeof(one));
	madt_add(MADT_PHYS, LAPIC(2, 2, 1));
	assert_true(parse(20));
	assert_int_equal(info.cpu_count, 2);
	assert_true(has_warning("length < 2"));

	reset(state);
	madt_add_raw(MADT_PHYS, lie, sizeof(lie));
	assert_true(parse(20));
	assert_int_equal(info.cpu_count, 2);
	assert_true(has_warning("past table end"));

	reset(state);
	madt_add_raw(MADT_PHYS, &stray, 1);
	assert_true(parse(20));
	assert_int_equal(info.cpu_count, 2);
	assert_true(has_warning("inside an entry header"));
}

TEST(test_madt_entry_wrong_length)
{
	const u8 short_ioapic[8] = { 1, 8, 9, 0, 0, 0, 0xc0, 0xfe };
	const u8 long_lapic[10] = { 0, 10, 4, 4, 1 };

	platform_make_v1();
	madt_add_raw(MADT_PHYS, short_ioapic, sizeof(short_ioapic));
	madt_add_raw(MADT_PHYS, long_lapic, sizeof(long_lapic));
	madt_add(MADT_PHYS, LAPIC(5, 5, 1));
	assert_true(parse(20));
	assert_int_equal(info.ioapic_count, 0);
	assert_true(has_warning("too short for its type"));
	/* Entries longer than defined are read for their known fields. */
	assert_int_equal(info.cpu_count, 4);
	assert_cpu(2, 4, 4, true, false, false);
	assert_cpu(3, 5, 5, true, false, false);
}

TEST(test_cpu_truncation)
{
	const u64 entries[] = { BIG_PHYS };
	u32 i;

	platform_make_v1();
	table_init(BIG_PHYS, "APIC", 44);
	for (i = 0; i < ACPI_MAX_CPUS + 6; i++)
		madt_add(BIG_PHYS, X2APIC(1000 + i, 1, i));
	root_make(RSDT_PHYS, "RSDT", entries, 1);
	assert_true(parse(20));
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus_enabled, ACPI_MAX_CPUS);
	assert_true(info.cpus_truncated);
	assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id,
			 1000 + ACPI_MAX_CPUS - 1);
	assert_int_equal(info.warning_count, 1);
}

TEST(test_ioapic_and_override_limits)
{
	u32 i;

	platform_make_v1();
	for (i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_add(MADT_PHYS, IOAPIC(i, 0xfec00000 + i * 0x1000, i * 24));
	for (i = 0; i < ACPI_MAX_OVERRIDES + 1; i++)
		madt_add(MADT_PHYS, OVERRIDE(i, i, 0));
	assert_true(parse(20));
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.override_count, ACPI_MAX_OVERRIDES);
	assert_true(has_warning("too many I/O APICs"));
	assert_true(has_warning("too many interrupt overrides"));
}

TEST(test_bad_tables_skipped)
{
	platform_make_v1();
	table_set_len(MADT_PHYS, 20);
	assert_true(parse(20));
	assert_false(info.has_madt);
	assert_true(has_warning("shorter than its header"));
	assert_true(info.has_fadt && info.has_hpet);

	reset(state);
	table_set_len(FADT_PHYS, 0x40000000);
	assert_true(parse(20));
	assert_false(info.has_fadt);
	assert_true(has_warning("implausibly long"));
	assert_true(mem.max_len <= ACPI_MAX_TABLE_LEN);
	assert_true(info.has_madt && info.has_hpet);

	reset(state);
	table_init(MADT_PHYS, "APIC", 40);
	assert_true(parse(20));
	assert_false(info.has_madt);
	assert_int_equal(info.cpu_count, 0);
	assert_true(has_warning("MADT too short"));
	assert_true(info.has_fadt);

	reset(state);
	at(FADT_PHYS)[76]++;
	assert_true(parse(20));
	assert_false(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0);
	assert_true(has_warning("checksum bad"));
	assert_true(info.has_madt);
}

TEST(test_map_null)
{
	const u64 entries[] = { OUTSIDE_PHYS, MADT_PHYS, 0, FADT_PHYS };

	platform_make_v1();
	root_make(RSDT_PHYS, "RSDT", entries, 4);
	assert_true(parse(20));
	assert_true(info.has_madt && info.has_fadt);
	assert_false(info.has_hpet);
	assert_true(has_warning("header not mappable"));
	assert_true(has_warning("null table address"));
	assert_int_equal(info.warning_count, 2);

	reset(state);
	/* The header maps, the whole table does not. */
	mem.fail_phys = MADT_PHYS;
	mem.fail_min_len = 37;
	assert_true(parse(20));
	assert_false(info.has_madt);
	assert_true(has_warning("table not mappable"));
	assert_true(info.has_fadt && info.has_hpet);
}

TEST(test_first_valid_table_wins)
{
	const u64 bad_first[] = { BIG_PHYS, MADT_PHYS };
	const u64 good_first[] = { MADT_PHYS, BIG_PHYS };

	platform_make_v1();
	table_init(BIG_PHYS, "APIC", 44);
	madt_add(BIG_PHYS, X2APIC(77, 1, 77));
	at(BIG_PHYS)[50]++;
	root_make(RSDT_PHYS, "RSDT", bad_first, 2);
	assert_true(parse(20));
	assert_true(info.has_madt);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.warning_count, 1);

	reset(state);
	table_init(BIG_PHYS, "APIC", 44);
	madt_add(BIG_PHYS, X2APIC(77, 1, 77));
	root_make(RSDT_PHYS, "RSDT", good_first, 2);
	assert_true(parse(20));
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus[1].apic_id, 1);
}

TEST(test_unused_tables_not_checked)
{
	const u64 entries[] = { BIG_PHYS, MADT_PHYS };

	platform_make_v1();
	table_init(BIG_PHYS, "SSDT", 64);
	at(BIG_PHYS)[40]++;
	root_make(RSDT_PHYS, "RSDT", entries, 2);
	assert_true(parse(20));
	assert_true(info.has_madt);
	assert_int_equal(info.warning_count, 0);
}

TEST(test_fadt_pm_timer)
{
	/* ACPI 1.0 FADT: only PM_TMR_BLK. */
	platform_make_v1();
	fadt_make(116, 0x1808, 1u << 8, 0, 0);
	assert_true(parse(20));
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0x1808);
	assert_true(info.pm_timer_32bit);
	assert_false(info.hw_reduced);
	assert_int_equal(info.fadt_flags, 1u << 8);

	reset(state);
	fadt_make(276, 0x408, 0, 1, 0x608);
	assert_true(parse(20));
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.pm_timer_32bit);

	/* Unusable X_PM_TMR_BLK values leave the legacy port in charge: MMIO
	 * (port I/O cannot reach it), zero ("not provided"), above 16 bits. */
	reset(state);
	fadt_make(244, 0x408, 0, 0, 0x808);
	assert_true(parse(20));
	assert_int_equal(info.pm_timer_port, 0x408);

	reset(state);
	fadt_make(244, 0x408, 0, 1, 0);
	assert_true(parse(20));
	assert_int_equal(info.pm_timer_port, 0x408);

	reset(state);
	fadt_make(244, 0x408, 0, 1, 0x10000);
	assert_true(parse(20));
	assert_int_equal(info.pm_timer_port, 0x408);

	/* Too short for the flags: still usable for the port. */
	reset(state);
	fadt_make(100, 0x408, 0, 0, 0);
	assert_true(parse(20));
	assert_true(info.has_fadt);
	assert_int_equal(info.pm_timer_port, 0x408);
	assert_int_equal(info.fadt_flags, 0);

	/* Hardware-reduced: no PM timer whatever the fields say. */
	reset(state);
	fadt_make(276, 0x408, (1u << 20) | (1u << 8), 1, 0x608);
	assert_true(parse(20));
	assert_true(info.has_fadt);
	assert_true(info.hw_reduced);
	assert_int_equal(info.fadt_flags, (1u << 20) | (1u << 8));
	assert_int_equal(info.pm_timer_port, 0);
}

TEST(test_hpet)
{
	platform_make_v1();
	hpet_make(0, 0xfed00000);
	assert_true(parse(20));
	assert_true(info.has_hpet);
	assert_int_equal(info.hpet_address, 0xfed00000);

	reset(state);
	hpet_make(1, 0xfed00000);
	assert_true(parse(20));
	assert_false(info.has_hpet);
	assert_true(has_warning("HPET not in memory"));

	reset(state);
	table_set_len(HPET_PHYS, 52);
	table_fix(HPET_PHYS);
	assert_true(parse(20));
	assert_false(info.has_hpet);
	assert_true(has_warning("HPET table too short"));
}

TEST(test_warnings_capped)
{
	u64 entries[ACPI_MAX_WARNINGS + 4];
	u32 i;

	platform_make_v1();
	for (i = 0; i < ARRAY_SIZE(entries); i++)
		entries[i] = OUTSIDE_PHYS + i * 0x1000;
	entries[ARRAY_SIZE(entries) - 1] = MADT_PHYS;
	root_make(RSDT_PHYS, "RSDT", entries, ARRAY_SIZE(entries));
	assert_true(parse(20));
	assert_int_equal(info.warning_count, ACPI_MAX_WARNINGS);
	assert_true(info.has_madt);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_checksum),
		T(test_acpi1_rsdt),
		T(test_acpi2_xsdt),
		T(test_nothing_usable),
		T(test_bad_xsdt_falls_back),
		T(test_madt_full),
		T(test_madt_duplicate_apic_ids),
		T(test_madt_entry_length_zero),
		T(test_madt_entry_truncated),
		T(test_madt_entry_wrong_length),
		T(test_cpu_truncation),
		T(test_ioapic_and_override_limits),
		T(test_bad_tables_skipped),
		T(test_map_null),
		T(test_first_valid_table_wins),
		T(test_unused_tables_not_checked),
		T(test_fadt_pm_timer),
		T(test_hpet),
		T(test_warnings_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
