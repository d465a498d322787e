/* Unit tests for vdev/guest_acpi.c. The tables are read back with the
 * hypervisor's own ACPI parser (arch/x86/acpi.c, acpi_madt.c), which checks
 * every signature, length and checksum, and then byte by byte where the
 * parser does not look (FADT registers, DSDT AML). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vdev/guest_acpi.h"
#include "lib/unaligned.h"
#include "arch/x86/acpi.h"

#define UNUSED __attribute__((unused))

#define LOW_GPA 0xe0000ull
#define HIGH_GPA 0x100000000ull

struct guest_mem {
	const u8 *buf;
	u64 gpa;
	u32 len;
};

static u8 buf[GUEST_ACPI_MAX_SIZE];
static struct acpi_info info;

static const void *map_guest(u64 phys, u64 len, void *ctx)
{
	const struct guest_mem *m = ctx;

	if (phys < m->gpa || len > m->len || phys - m->gpa > m->len - len)
		return NULL;
	return m->buf + (phys - m->gpa);
}

static struct guest_acpi_config config(u32 vcpus)
{
	return (struct guest_acpi_config){
		.vcpus = vcpus,
		.lapic_base = 0xfee00000,
		.ioapic_base = 0xfec00000,
		.ioapic_id = 0,
		.ioapic_gsi_base = 0,
	};
}

static u32 build_and_parse(u32 vcpus, u64 gpa)
{
	struct guest_acpi_config cfg = config(vcpus);
	struct guest_mem m;
	const char *error = NULL;
	u32 used;

	memset(buf, 0xcc, sizeof(buf));
	used = guest_acpi_build(&cfg, buf, sizeof(buf), gpa);
	assert_true(used > 0 && used <= sizeof(buf));
	m = (struct guest_mem){ .buf = buf, .gpa = gpa, .len = used };
	assert_true(acpi_parse(buf, 36, gpa, map_guest, &m, &info, &error));
	assert_null(error);
	assert_int_equal(info.warning_count, 0);
	return used;
}

/* Table @index of the XSDT, as a pointer into the buffer. */
static const u8 *xsdt_entry(u64 gpa, u32 index)
{
	const u8 *xsdt = buf + (get_le64(buf + 24) - gpa);

	return buf + (get_le64(xsdt + 36 + 8 * index) - gpa);
}

static void test_rsdp(void **state UNUSED)
{
	build_and_parse(4, LOW_GPA);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(acpi_checksum(buf, 20), 0);
	assert_int_equal(acpi_checksum(buf, 36), 0);
	assert_int_equal(buf[15], 2);
	assert_int_equal(get_le32(buf + 16), 0);
	assert_int_equal(get_le32(buf + 20), 36);
	assert_int_equal(info.revision, 2);
	assert_true(info.root_is_xsdt);
	assert_int_equal(info.root_phys, get_le64(buf + 24));
}

static void test_xsdt(void **state UNUSED)
{
	const u8 *xsdt;

	build_and_parse(1, LOW_GPA);
	xsdt = buf + (get_le64(buf + 24) - LOW_GPA);
	assert_memory_equal(xsdt, "XSDT", 4);
	assert_int_equal(get_le32(xsdt + 4), 36 + 16);
	assert_int_equal(xsdt[8], 1);
	assert_memory_equal(xsdt + 10, "HLDFST", 6);
	assert_memory_equal(xsdt_entry(LOW_GPA, 0), "FACP", 4);
	assert_memory_equal(xsdt_entry(LOW_GPA, 1), "APIC", 4);
}

static void test_madt_cpus_ioapic_override(void **state UNUSED)
{
	const u8 *madt;
	u32 i;

	build_and_parse(4, LOW_GPA);
	assert_true(info.has_madt);
	assert_int_equal(info.lapic_address, 0xfee00000);
	assert_false(info.pcat_compat);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.cpus_enabled, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].uid, i);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].x2apic_entry);
	}
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 0);
	assert_int_equal(info.ioapics[0].address, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.override_count, 1);
	assert_int_equal(info.overrides[0].bus, 0);
	assert_int_equal(info.overrides[0].source_irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[0].flags, 0);

	madt = xsdt_entry(LOW_GPA, 1);
	assert_int_equal(madt[8], 4);
	assert_int_equal(get_le32(madt + 4), 44 + 4 * 8 + 12 + 10);
}

static void test_madt_many_cpus_use_x2apic_entries(void **state UNUSED)
{
	build_and_parse(300, LOW_GPA);
	assert_int_equal(info.cpu_count, 300);
	assert_int_equal(info.cpus_enabled, 300);
	assert_false(info.cpus[254].x2apic_entry);
	assert_int_equal(info.cpus[254].apic_id, 254);
	assert_true(info.cpus[255].x2apic_entry);
	assert_int_equal(info.cpus[255].apic_id, 255);
	assert_int_equal(info.cpus[299].apic_id, 299);
	assert_int_equal(info.cpus[299].uid, 299);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.override_count, 1);
}

static void test_fadt(void **state UNUSED)
{
	const u8 *fadt;
	u32 flags;

	build_and_parse(2, LOW_GPA);
	assert_true(info.has_fadt);
	assert_true(info.hw_reduced);
	assert_int_equal(info.pm_timer_port, 0);
	assert_false(info.has_hpet);

	fadt = xsdt_entry(LOW_GPA, 0);
	assert_int_equal(get_le32(fadt + 4), 276);
	assert_int_equal(fadt[8], 6);
	assert_int_equal(fadt[131], 0);           /* minor version */
	flags = get_le32(fadt + 112);
	assert_true(flags & (1u << 20));          /* HW_REDUCED_ACPI */
	assert_true(flags & (1u << 10));          /* RESET_REG_SUP */
	assert_false(flags & (1u << 8));          /* TMR_VAL_EXT */
	assert_int_equal(get_le32(fadt + 76), 0);    /* PM_TMR_BLK */
	assert_int_equal(fadt[91], 0);            /* PM_TMR_LEN */
	assert_int_equal(get_le64(fadt + 208 + 4), 0); /* X_PM_TMR_BLK */
	assert_int_equal(get_le16(fadt + 109), (1u << 2) | (1u << 5));
	assert_int_not_equal(get_le16(fadt + 46), 0); /* SCI_INT not IRQ0 */
	assert_int_equal(get_le32(fadt + 36), 0);    /* no FACS */
	assert_int_equal(get_le64(fadt + 132), 0);

	/* RESET_REG: system I/O, 8 bits at offset 0, byte access. */
	assert_int_equal(fadt[116], 1);
	assert_int_equal(fadt[117], 8);
	assert_int_equal(fadt[118], 0);
	assert_int_equal(fadt[119], 1);
	assert_int_equal(get_le64(fadt + 120), GUEST_ACPI_RESET_PORT);
	assert_int_equal(fadt[128], GUEST_ACPI_RESET_VALUE);

	/* SLEEP_CONTROL_REG and SLEEP_STATUS_REG. */
	assert_int_equal(fadt[244], 1);
	assert_int_equal(fadt[245], 8);
	assert_int_equal(fadt[246], 0);
	assert_int_equal(fadt[247], 1);
	assert_int_equal(get_le64(fadt + 248), GUEST_ACPI_SLEEP_CONTROL_PORT);
	assert_int_equal(fadt[256], 1);
	assert_int_equal(fadt[257], 8);
	assert_int_equal(fadt[258], 0);
	assert_int_equal(fadt[259], 1);
	assert_int_equal(get_le64(fadt + 260), GUEST_ACPI_SLEEP_STATUS_PORT);
	assert_memory_equal(fadt + 268, "Holdfast", 8);
}

static void test_dsdt_s5(void **state UNUSED)
{
	static const u8 aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
		0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
	};
	const u8 *fadt, *dsdt;
	u64 dsdt_gpa;

	build_and_parse(1, LOW_GPA);
	fadt = xsdt_entry(LOW_GPA, 0);
	dsdt_gpa = get_le64(fadt + 140);
	assert_int_equal(get_le32(fadt + 40), dsdt_gpa);
	dsdt = buf + (dsdt_gpa - LOW_GPA);
	assert_memory_equal(dsdt, "DSDT", 4);
	static const u8 com1_crs[] = {
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,
		0x89, 0x06, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00,
		0x79, 0x00,
	};
	u32 len;
	const u8 *scope;

	assert_int_equal(dsdt[8], 2);
	len = get_le32(dsdt + 4);
	assert_int_equal(acpi_checksum(dsdt, len), 0);
	assert_memory_equal(dsdt + 36, aml, sizeof(aml));
	/* PkgLength counts itself, NumElements and the elements. */
	assert_int_equal(aml[6], sizeof(aml) - 6);
	/* Then Scope (\_SB) holding the UART's device, whose PkgLength
	 * must reach exactly the end of the table. */
	scope = dsdt + 36 + sizeof(aml);
	assert_int_equal(scope[0], 0x10);
	assert_int_equal(36 + sizeof(aml) + 1 + scope[1], len);
	assert_memory_equal(scope + 2, "\\_SB_", 5);
	assert_int_equal(scope[7], 0x5b);
	assert_int_equal(scope[8], 0x82);
	assert_int_equal(9 + scope[9], 1 + scope[1]); /* device ends with scope */
	assert_memory_equal(scope + 10, "COM1", 4);
	assert_memory_equal(dsdt + len - sizeof(com1_crs), com1_crs,
			    sizeof(com1_crs));
}

static void test_tables_above_4g(void **state UNUSED)
{
	const u8 *fadt;

	build_and_parse(2, HIGH_GPA);
	assert_int_equal(info.cpu_count, 2);
	assert_true(info.hw_reduced);
	fadt = xsdt_entry(HIGH_GPA, 0);
	/* The 32-bit DSDT pointer cannot hold it: only X_DSDT is set. */
	assert_int_equal(get_le32(fadt + 40), 0);
	assert_true(get_le64(fadt + 140) > HIGH_GPA);
}

static void test_too_small_or_no_cpu(void **state UNUSED)
{
	struct guest_acpi_config cfg = config(4);
	u32 used;

	used = guest_acpi_build(&cfg, buf, sizeof(buf), LOW_GPA);
	assert_true(used > 0);
	memset(buf, 0xcc, sizeof(buf));
	assert_int_equal(guest_acpi_build(&cfg, buf, used - 1, LOW_GPA), 0);
	assert_int_equal(buf[0], 0xcc); /* nothing written */
	assert_int_equal(guest_acpi_build(&cfg, buf, 0, LOW_GPA), 0);
	assert_int_equal(guest_acpi_build(&cfg, buf, used, LOW_GPA), used);

	cfg.vcpus = 0;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), LOW_GPA), 0);
	cfg.vcpus = 0xffffffff;
	assert_int_equal(guest_acpi_build(&cfg, buf, sizeof(buf), LOW_GPA), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_xsdt),
		cmocka_unit_test(test_madt_cpus_ioapic_override),
		cmocka_unit_test(test_madt_many_cpus_use_x2apic_entries),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_dsdt_s5),
		cmocka_unit_test(test_tables_above_4g),
		cmocka_unit_test(test_too_small_or_no_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
