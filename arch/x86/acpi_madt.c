/* MADT ("APIC") parsing: CPUs, I/O APICs, interrupt source overrides and the
 * local APIC address. The caller has verified the table's length and checksum;
 * this file only guards against entries that lie about their own length.
 */
#include "arch/x86/acpi.h"

#define MADT_OFF_LAPIC 36
#define MADT_OFF_FLAGS 40
#define MADT_OFF_ENTRIES 44
#define MADT_PCAT_COMPAT (1u << 0)

#define MADT_TYPE_LAPIC 0
#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_OVERRIDE 2
#define MADT_TYPE_LAPIC_ADDR 5
#define MADT_TYPE_X2APIC 9

#define MADT_CPU_ENABLED (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* IDs that mean "broadcast", never a real CPU. */
#define MADT_XAPIC_ID_INVALID 0xffu
#define MADT_X2APIC_ID_INVALID 0xffffffffu

static void madt_add_cpu(struct acpi_info *info, u32 apic_id, u32 uid,
			 u32 flags, bool x2apic_entry)
{
	bool enabled = flags & MADT_CPU_ENABLED;
	/* The spec reserves "online capable" when "enabled" is set. */
	bool online_capable = !enabled && (flags & MADT_CPU_ONLINE_CAPABLE);
	struct acpi_cpu *cpu;
	u32 i;

	if (!enabled && !online_capable)
		return;
	/* Firmware may list one CPU both as an xAPIC and as an x2APIC entry;
	 * keep the first and let either entry's "enabled" count. */
	for (i = 0; i < info->cpu_count; i++) {
		cpu = &info->cpus[i];
		if (cpu->apic_id != apic_id)
			continue;
		if (enabled && !cpu->enabled) {
			cpu->enabled = true;
			cpu->online_capable = false;
			info->cpus_enabled++;
		}
		return;
	}
	if (info->cpu_count == ACPI_MAX_CPUS) {
		if (!info->cpus_truncated)
			acpi_add_warning(info, "ACPI: more CPUs than ACPI_MAX_CPUS, rest ignored");
		info->cpus_truncated = true;
		return;
	}
	cpu = &info->cpus[info->cpu_count++];
	cpu->apic_id = apic_id;
	cpu->uid = uid;
	cpu->enabled = enabled;
	cpu->online_capable = online_capable;
	cpu->x2apic_entry = x2apic_entry;
	if (enabled)
		info->cpus_enabled++;
}

static void madt_add_ioapic(struct acpi_info *info, const u8 *e)
{
	struct acpi_ioapic *io;

	if (info->ioapic_count == ACPI_MAX_IOAPICS) {
		acpi_add_warning(info, "ACPI: too many I/O APICs, rest ignored");
		return;
	}
	io = &info->ioapics[info->ioapic_count++];
	io->id = e[2];
	io->address = get_le32(e + 4);
	io->gsi_base = get_le32(e + 8);
}

static void madt_add_override(struct acpi_info *info, const u8 *e)
{
	struct acpi_override *ov;

	if (info->override_count == ACPI_MAX_OVERRIDES) {
		acpi_add_warning(info, "ACPI: too many interrupt overrides, rest ignored");
		return;
	}
	ov = &info->overrides[info->override_count++];
	ov->bus = e[2];
	ov->source_irq = e[3];
	ov->gsi = get_le32(e + 4);
	ov->flags = get_le16(e + 8);
}

static void madt_set_lapic_address(struct acpi_info *info, const u8 *e)
{
	u64 addr = get_le64(e + 4);

	if (!addr)
		return;
	info->lapic_address64 = addr;
	/* Callers that only look at the 32-bit field still get the override
	 * when it fits; otherwise they must use lapic_address64. */
	if (addr <= 0xffffffffu)
		info->lapic_address = (u32)addr;
}

/* Size of each entry type we parse; 0 for types we ignore. */
static u32 madt_entry_min_len(u8 type)
{
	switch (type) {
	case MADT_TYPE_LAPIC:
		return 8;
	case MADT_TYPE_IOAPIC:
		return 12;
	case MADT_TYPE_OVERRIDE:
		return 10;
	case MADT_TYPE_LAPIC_ADDR:
		return 12;
	case MADT_TYPE_X2APIC:
		return 16;
	default:
		return 0;
	}
}

static void madt_parse_entry(struct acpi_info *info, const u8 *e)
{
	switch (e[0]) {
	case MADT_TYPE_LAPIC:
		if (e[3] == MADT_XAPIC_ID_INVALID)
			return;
		madt_add_cpu(info, e[3], e[2], get_le32(e + 4), false);
		break;
	case MADT_TYPE_IOAPIC:
		madt_add_ioapic(info, e);
		break;
	case MADT_TYPE_OVERRIDE:
		madt_add_override(info, e);
		break;
	case MADT_TYPE_LAPIC_ADDR:
		madt_set_lapic_address(info, e);
		break;
	case MADT_TYPE_X2APIC:
		if (get_le32(e + 4) == MADT_X2APIC_ID_INVALID)
			return;
		madt_add_cpu(info, get_le32(e + 4), get_le32(e + 12),
			     get_le32(e + 8), true);
		break;
	}
}

void acpi_parse_madt(const u8 *madt, u32 len, struct acpi_info *info)
{
	u32 off, elen, min_len;

	if (len < MADT_OFF_ENTRIES) {
		acpi_add_warning(info, "ACPI: MADT too short, skipped");
		return;
	}
	info->has_madt = true;
	info->lapic_address = get_le32(madt + MADT_OFF_LAPIC);
	info->lapic_address64 = info->lapic_address;
	info->pcat_compat = get_le32(madt + MADT_OFF_FLAGS) & MADT_PCAT_COMPAT;

	for (off = MADT_OFF_ENTRIES; off < len; off += elen) {
		if (len - off < 2) {
			acpi_add_warning(info, "ACPI: MADT ends inside an entry header");
			return;
		}
		elen = madt[off + 1];
		/* A zero length would never advance: nothing after it can be
		 * located, so stop rather than guess. */
		if (elen < 2) {
			acpi_add_warning(info, "ACPI: MADT entry length < 2, parsing stopped");
			return;
		}
		if (elen > len - off) {
			acpi_add_warning(info, "ACPI: MADT entry runs past table end, parsing stopped");
			return;
		}
		/* Longer than defined is tolerated (later spec revisions may
		 * append fields, as Linux assumes too); shorter would make us
		 * read the next entry's bytes as this one's fields. */
		min_len = madt_entry_min_len(madt[off]);
		if (elen < min_len) {
			acpi_add_warning(info, "ACPI: MADT entry too short for its type, skipped");
			continue;
		}
		madt_parse_entry(info, madt + off);
	}
}
