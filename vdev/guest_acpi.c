/* ACPI tables for a Linux guest (ACPI 6.0 layouts).
 *
 * The platform is "hardware-reduced": no PM timer, no SCI, no fixed power
 * button, no PIC. That is what lets Linux run without PIT, HPET or 8259
 * (drivers/acpi/acpica/tbfadt.c sets acpi_gbl_reduced_hardware, and
 * arch/x86/kernel/acpi/boot.c then installs the null legacy PIC), while
 * the FADT's sleep and reset registers give it poweroff and reboot through
 * two I/O ports. Layout in the buffer, each table 16-byte aligned:
 * RSDP, XSDT, FADT, DSDT, MADT.
 */
#include "vdev/guest_acpi.h"
#include "lib/unaligned.h"
#include "lib/string.h"

#define TABLE_ALIGN 16

#define RSDP_LEN 36
#define HDR_LEN 36
#define XSDT_ENTRIES 2
#define XSDT_LEN (HDR_LEN + 8 * XSDT_ENTRIES)
#define FADT_LEN 276 /* ACPI 6.0: through the hypervisor vendor identity */
#define MADT_HDR_LEN 44

#define MADT_LAPIC_LEN 8
#define MADT_X2APIC_LEN 16
#define MADT_IOAPIC_LEN 12
#define MADT_OVERRIDE_LEN 10
#define MADT_XAPIC_ID_LIMIT 255 /* 0xff is the xAPIC broadcast ID */

#define OEM_ID "HLDFST"
#define OEM_TABLE_ID "HOLDFAST"
#define CREATOR_ID "HLDF"

/* FADT field offsets. */
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR_VERSION 131
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL_REG 244
#define FADT_SLEEP_STATUS_REG 256
#define FADT_HYPERVISOR_ID 268

#define FADT_WBINVD (1u << 0)
#define FADT_PWR_BUTTON (1u << 4) /* set: no fixed-hardware power button */
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)

#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_CMOS_RTC_NOT_PRESENT (1u << 5)
/* Bit 1 (8042) stays clear: Linux then skips probing a keyboard controller. */

/* Linux treats an interrupt source override whose source equals SCI_INT
 * as the SCI's, hardware-reduced or not (acpi_parse_int_src_ovr), so a
 * zero here would turn the IRQ0 override into a level, active-low SCI.
 * 9 is the conventional SCI and nothing here uses it. */
#define FADT_SCI_IRQ 9

#define GAS_SPACE_IO 1
#define GAS_ACCESS_BYTE 1

/* DefinitionBlock body: Name (_S5, Package (4) { 5, 5, 0, 0 }).
 * NameOp, NameSeg, PackageOp, PkgLength (one byte: itself, NumElements
 * and the elements), NumElements, BytePrefix 5, BytePrefix 5, ZeroOp,
 * ZeroOp. The first two elements are the SLP_TYP values for PM1a/PM1b;
 * with the sleep control register only the first is used. */
static const u8 dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',
	0x12, 0x08, 0x04,
	0x0a, GUEST_ACPI_S5_TYPE, 0x0a, GUEST_ACPI_S5_TYPE, 0x00, 0x00,
	/*
	 * Scope (\_SB) { Device (COM1) { Name (_HID, EisaId ("PNP0501"))
	 *   Name (_UID, 0) Name (_CRS, ResourceTemplate () {
	 *     IO (Decode16, 0x3F8, 0x3F8, 0, 8)
	 *     Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 4 }
	 * }) } }
	 * A hardware-reduced platform has no legacy PIC, so Linux maps no
	 * ISA IRQs: the UART's interrupt reaches it only as this GSI.
	 */
	0x10, 0x39, '\\', '_', 'S', 'B', '_',          /* ScopeOp, 57 bytes */
	0x5b, 0x82, 0x31, 'C', 'O', 'M', '1',            /* DeviceOp, 49 bytes */
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01, /* PNP0501 */
	0x08, '_', 'U', 'I', 'D', 0x00,
	0x08, '_', 'C', 'R', 'S', 0x11, 0x16, 0x0a, 0x13,
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,  /* IO */
	0x89, 0x06, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00, /* IRQ 4, edge */
	0x79, 0x00,                                      /* end tag */
};
_Static_assert(sizeof(dsdt_aml) == 14 + 1 + 0x39, "AML package lengths");

#define DSDT_LEN (HDR_LEN + sizeof(dsdt_aml))

/* The byte that makes @len bytes at @p sum to zero, given a zero there. */
static u8 acpi_fix_checksum(const u8 *p, u32 len)
{
	u8 sum = 0;
	u32 i;

	for (i = 0; i < len; i++)
		sum += p[i];
	return (u8)-sum;
}

static void acpi_put_header(u8 *t, const char *sig, u32 len, u8 revision)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put_le32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put_le32(t + 32, 1);
}

static void acpi_seal(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = acpi_fix_checksum(t, len);
}

/* A one-byte register in I/O space, as ACPICA and Linux's reboot code
 * want it (acpi_reboot checks bit_width 8, bit_offset 0). */
static void acpi_put_gas_io8(u8 *g, u16 port)
{
	g[0] = GAS_SPACE_IO;
	g[1] = 8;
	g[2] = 0;
	g[3] = GAS_ACCESS_BYTE;
	put_le64(g + 4, port);
}

static void acpi_build_rsdp(u8 *r, u64 xsdt_gpa)
{
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, OEM_ID, 6);
	r[15] = 2;
	put_le32(r + 16, 0); /* no RSDT: every consumer we target reads the XSDT */
	put_le32(r + 20, RSDP_LEN);
	put_le64(r + 24, xsdt_gpa);
	r[8] = acpi_fix_checksum(r, 20);
	r[32] = acpi_fix_checksum(r, RSDP_LEN);
}

static void acpi_build_xsdt(u8 *t, u64 fadt_gpa, u64 madt_gpa)
{
	acpi_put_header(t, "XSDT", XSDT_LEN, 1);
	put_le64(t + HDR_LEN, fadt_gpa);
	put_le64(t + HDR_LEN + 8, madt_gpa);
	acpi_seal(t, XSDT_LEN);
}

static void acpi_build_fadt(u8 *t, u64 dsdt_gpa)
{
	acpi_put_header(t, "FACP", FADT_LEN, 6);
	/* The 32-bit field only where it can hold the address; X_DSDT is
	 * the one OSPM uses when both are there. */
	if (dsdt_gpa <= 0xffffffffull)
		put_le32(t + FADT_DSDT, (u32)dsdt_gpa);
	put_le16(t + FADT_SCI_INT, FADT_SCI_IRQ);
	put_le16(t + FADT_IAPC_BOOT_ARCH,
	      BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_CMOS_RTC_NOT_PRESENT);
	put_le32(t + FADT_FLAGS, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
	      FADT_RESET_REG_SUP | FADT_HW_REDUCED_ACPI);
	acpi_put_gas_io8(t + FADT_RESET_REG, GUEST_ACPI_RESET_PORT);
	t[FADT_RESET_VALUE] = GUEST_ACPI_RESET_VALUE;
	t[FADT_MINOR_VERSION] = 0;
	put_le64(t + FADT_X_DSDT, dsdt_gpa);
	acpi_put_gas_io8(t + FADT_SLEEP_CONTROL_REG, GUEST_ACPI_SLEEP_CONTROL_PORT);
	acpi_put_gas_io8(t + FADT_SLEEP_STATUS_REG, GUEST_ACPI_SLEEP_STATUS_PORT);
	memcpy(t + FADT_HYPERVISOR_ID, "Holdfast", 8);
	acpi_seal(t, FADT_LEN);
}

static void acpi_build_dsdt(u8 *t)
{
	/* Revision 2: AML integers are 64-bit. */
	acpi_put_header(t, "DSDT", DSDT_LEN, 2);
	memcpy(t + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	acpi_seal(t, DSDT_LEN);
}

/* In 64 bits: any u32 vCPU count is then a size check, not a wrap. */
static u64 acpi_madt_len(u32 vcpus)
{
	u64 xapic = MIN(vcpus, MADT_XAPIC_ID_LIMIT);

	return MADT_HDR_LEN + xapic * MADT_LAPIC_LEN +
	       (vcpus - xapic) * MADT_X2APIC_LEN + MADT_IOAPIC_LEN +
	       MADT_OVERRIDE_LEN;
}

static void acpi_build_madt(u8 *t, const struct guest_acpi_config *cfg)
{
	u32 len = (u32)acpi_madt_len(cfg->vcpus); /* the caller checked */
	u8 *e = t + MADT_HDR_LEN;
	u32 i;

	acpi_put_header(t, "APIC", len, 4);
	put_le32(t + 36, (u32)cfg->lapic_base);
	put_le32(t + 40, 0); /* no PCAT_COMPAT: there is no 8259 to probe */

	/* CPU i has APIC ID and processor UID i. IDs an xAPIC entry cannot
	 * carry go in x2APIC entries, which Linux reads in x2APIC mode. */
	for (i = 0; i < cfg->vcpus; i++) {
		if (i < MADT_XAPIC_ID_LIMIT) {
			e[0] = 0;
			e[1] = MADT_LAPIC_LEN;
			e[2] = (u8)i;
			e[3] = (u8)i;
			put_le32(e + 4, 1); /* enabled */
			e += MADT_LAPIC_LEN;
		} else {
			e[0] = 9;
			e[1] = MADT_X2APIC_LEN;
			put_le16(e + 2, 0);
			put_le32(e + 4, i);
			put_le32(e + 8, 1);
			put_le32(e + 12, i);
			e += MADT_X2APIC_LEN;
		}
	}

	e[0] = 1;
	e[1] = MADT_IOAPIC_LEN;
	e[2] = cfg->ioapic_id;
	e[3] = 0;
	put_le32(e + 4, (u32)cfg->ioapic_base);
	put_le32(e + 8, cfg->ioapic_gsi_base);
	e += MADT_IOAPIC_LEN;

	/* ISA IRQ 0 arrives on pin 2, as on every PC; flags 0: conforms to
	 * the bus (edge, active high). */
	e[0] = 2;
	e[1] = MADT_OVERRIDE_LEN;
	e[2] = 0;
	e[3] = 0;
	put_le32(e + 4, 2);
	put_le16(e + 8, 0);

	acpi_seal(t, len);
}

u32 guest_acpi_build(const struct guest_acpi_config *cfg, void *buf, u32 size,
		     u64 gpa)
{
	u64 xsdt, fadt, dsdt, madt, end;
	u8 *b = buf;

	if (!cfg->vcpus)
		return 0;
	xsdt = ALIGN_UP(RSDP_LEN, TABLE_ALIGN);
	fadt = ALIGN_UP(xsdt + XSDT_LEN, TABLE_ALIGN);
	dsdt = ALIGN_UP(fadt + FADT_LEN, TABLE_ALIGN);
	madt = ALIGN_UP(dsdt + DSDT_LEN, TABLE_ALIGN);
	end = madt + acpi_madt_len(cfg->vcpus);
	if (end > size)
		return 0;

	memset(b, 0, end);
	acpi_build_rsdp(b, gpa + xsdt);
	acpi_build_xsdt(b + xsdt, gpa + fadt, gpa + madt);
	acpi_build_fadt(b + fadt, gpa + dsdt);
	acpi_build_dsdt(b + dsdt);
	acpi_build_madt(b + madt, cfg);
	return (u32)end;
}
