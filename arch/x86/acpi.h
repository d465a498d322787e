/* ACPI table discovery: RSDP -> XSDT/RSDT -> MADT, FADT, HPET.
 *
 * Pure code: tables are reached through a caller-supplied mapping callback, so
 * host unit tests feed synthetic (and corrupt) tables from a buffer. Every
 * table's signature, length and checksum is verified before use; a bad table
 * is skipped with a message in acpi_info.warnings, never dereferenced past its
 * verified length.
 */
#ifndef HOLDFAST_ACPI_H
#define HOLDFAST_ACPI_H

#include "lib/types.h"
#include "lib/unaligned.h"

#define ACPI_MAX_CPUS 1024
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_WARNINGS 8
#define ACPI_MAX_TABLE_LEN MiB(1) /* larger tables are treated as corrupt */

/* Return a pointer through which @len bytes at physical @phys can be read,
 * or NULL when that range is not accessible. Pointers must stay valid until
 * acpi_parse() returns: the root table is walked while other tables are
 * mapped (a direct map qualifies; one reused window does not). */
typedef const void *(*acpi_map_fn)(u64 phys, u64 len, void *ctx);

struct acpi_cpu {
	u32 apic_id;
	u32 uid;             /* ACPI processor UID */
	bool enabled;        /* MADT "Enabled" flag */
	bool online_capable; /* not enabled, but may be brought online later */
	bool x2apic_entry;   /* came from a type-9 (x2APIC) MADT entry */
};

struct acpi_ioapic {
	u8 id;
	u32 address;
	u32 gsi_base;
};

struct acpi_override {
	u8 bus, source_irq;
	u32 gsi;
	u16 flags;
};

struct acpi_info {
	u8 revision;      /* RSDP revision */
	u64 rsdp_phys;
	u64 root_phys;    /* XSDT when revision >= 2 and valid, else RSDT */
	bool root_is_xsdt;

	bool has_madt;
	u32 lapic_address; /* from the MADT header, or its 64-bit override */
	u64 lapic_address64;
	bool pcat_compat;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	u32 cpu_count;     /* entries kept (enabled or not) */
	u32 cpus_enabled;  /* entries with the enabled flag */
	bool cpus_truncated;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	u32 ioapic_count;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	u32 override_count;

	bool has_fadt;
	u32 pm_timer_port; /* 0 when absent */
	bool pm_timer_32bit;
	u32 fadt_flags;
	bool hw_reduced;

	bool has_hpet;
	u64 hpet_address;

	const char *warnings[ACPI_MAX_WARNINGS];
	u32 warning_count;
};

/* Checksum of @len bytes: 0 means valid. */
u8 acpi_checksum(const void *p, u64 len);

/*
 * Parse from the RSDP copy @rsdp (@rsdp_len bytes, as multiboot2 hands it
 * over; 20 or 36) found at physical @rsdp_phys (0 when only the copy exists).
 * Returns false with @*error set when nothing usable was found (bad RSDP, no
 * valid root table); a bad individual table only adds a warning.
 */
bool acpi_parse(const void *rsdp, u32 rsdp_len, u64 rsdp_phys,
		acpi_map_fn map, void *ctx, struct acpi_info *out,
		const char **error);

/* Shared by acpi.c and acpi_madt.c only. Table fields are read byte-wise
 * because firmware does not align them. */
void acpi_add_warning(struct acpi_info *info, const char *msg);
void acpi_parse_madt(const u8 *madt, u32 len, struct acpi_info *info);

#endif
