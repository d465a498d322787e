/* ACPI table discovery: RSDP -> XSDT/RSDT -> FADT, HPET (MADT: acpi_madt.c).
 *
 * Firmware tables are untrusted input. Multi-byte fields are read with byte
 * copies because XSDT entries and many table fields are not naturally aligned,
 * and no read goes past a length that was checked against what was mapped.
 */
#include "arch/x86/acpi.h"
#include "lib/string.h"

#define ACPI_SIG_LEN 4
#define ACPI_HDR_LEN 36
#define ACPI_HDR_OFF_LENGTH 4

#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT 16
#define RSDP_OFF_XSDT 24

/* Generic Address Structure: space id, bit width, bit offset, access size,
 * then the 64-bit address. */
#define GAS_LEN 12
#define GAS_OFF_ADDRESS 4
#define GAS_SPACE_MEMORY 0
#define GAS_SPACE_IO 1

#define FADT_OFF_PM_TMR_BLK 76
#define FADT_OFF_FLAGS 112
#define FADT_OFF_X_PM_TMR_BLK 208
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_HW_REDUCED_ACPI (1u << 20)

#define HPET_OFF_ADDRESS 40
#define HPET_MIN_LEN 56

struct acpi_parser {
	acpi_map_fn map;
	void *map_ctx;
	struct acpi_info *info;
};

void acpi_add_warning(struct acpi_info *info, const char *msg)
{
	/* The first warnings are kept: later ones are usually fallout. */
	if (info->warning_count < ACPI_MAX_WARNINGS)
		info->warnings[info->warning_count++] = msg;
}

u8 acpi_checksum(const void *p, u64 len)
{
	const u8 *b = p;
	u8 sum = 0;
	u64 i;

	for (i = 0; i < len; i++)
		sum += b[i];
	return sum;
}

/* Map only the common header: enough to read the signature and length, and to
 * skip tables we do not use without checksumming all of them. */
static const u8 *acpi_map_header(struct acpi_parser *p, u64 phys)
{
	const u8 *hdr;

	if (!phys) {
		acpi_add_warning(p->info, "ACPI: null table address skipped");
		return NULL;
	}
	hdr = p->map(phys, ACPI_HDR_LEN, p->map_ctx);
	if (!hdr)
		acpi_add_warning(p->info, "ACPI: table header not mappable, skipped");
	return hdr;
}

/* Map the whole table whose header @hdr was mapped from @phys; NULL (with a
 * warning) unless its length is sane and its checksum is right. */
static const u8 *acpi_map_table(struct acpi_parser *p, u64 phys,
				const u8 *hdr, u32 *len_out)
{
	u32 len = get_le32(hdr + ACPI_HDR_OFF_LENGTH);
	const u8 *table;

	if (len < ACPI_HDR_LEN) {
		acpi_add_warning(p->info, "ACPI: table shorter than its header, skipped");
		return NULL;
	}
	if (len > ACPI_MAX_TABLE_LEN) {
		acpi_add_warning(p->info, "ACPI: table implausibly long, skipped");
		return NULL;
	}
	table = p->map(phys, len, p->map_ctx);
	if (!table) {
		acpi_add_warning(p->info, "ACPI: table not mappable, skipped");
		return NULL;
	}
	if (acpi_checksum(table, len)) {
		acpi_add_warning(p->info, "ACPI: table checksum bad, skipped");
		return NULL;
	}
	*len_out = len;
	return table;
}

static void acpi_parse_fadt(const u8 *fadt, u32 len, struct acpi_info *info)
{
	const u8 *gas = fadt + FADT_OFF_X_PM_TMR_BLK;
	u64 x_port = 0;
	u32 port = 0;

	if (len >= FADT_OFF_FLAGS + 4)
		info->fadt_flags = get_le32(fadt + FADT_OFF_FLAGS);
	info->pm_timer_32bit = info->fadt_flags & FADT_TMR_VAL_EXT;
	info->hw_reduced = info->fadt_flags & FADT_HW_REDUCED_ACPI;

	if (len >= FADT_OFF_PM_TMR_BLK + 4)
		port = get_le32(fadt + FADT_OFF_PM_TMR_BLK);
	/* The 64-bit field wins when present, but a PM timer in MMIO space is
	 * of no use to an I/O-port driver, and ports are 16 bits. */
	if (len >= FADT_OFF_X_PM_TMR_BLK + GAS_LEN && gas[0] == GAS_SPACE_IO)
		x_port = get_le64(gas + GAS_OFF_ADDRESS);
	if (x_port && x_port <= 0xffff)
		port = (u32)x_port;
	/* Hardware-reduced platforms have no PM timer; the spec tells OSPM to
	 * ignore whatever the fixed-hardware fields say. */
	info->pm_timer_port = info->hw_reduced ? 0 : port;
	info->has_fadt = true;
}

static void acpi_parse_hpet(const u8 *hpet, u32 len, struct acpi_info *info)
{
	const u8 *gas = hpet + HPET_OFF_ADDRESS;
	u64 addr;

	if (len < HPET_MIN_LEN) {
		acpi_add_warning(info, "ACPI: HPET table too short, skipped");
		return;
	}
	addr = get_le64(gas + GAS_OFF_ADDRESS);
	if (gas[0] != GAS_SPACE_MEMORY || !addr) {
		acpi_add_warning(info, "ACPI: HPET not in memory space, skipped");
		return;
	}
	info->hpet_address = addr;
	info->has_hpet = true;
}

static void acpi_parse_entry(struct acpi_parser *p, u64 phys)
{
	void (*parse)(const u8 *table, u32 len, struct acpi_info *info);
	struct acpi_info *info = p->info;
	const u8 *hdr, *table;
	bool seen;
	u32 len;

	hdr = acpi_map_header(p, phys);
	if (!hdr)
		return;
	if (!memcmp(hdr, "APIC", ACPI_SIG_LEN)) {
		parse = acpi_parse_madt;
		seen = info->has_madt;
	} else if (!memcmp(hdr, "FACP", ACPI_SIG_LEN)) {
		parse = acpi_parse_fadt;
		seen = info->has_fadt;
	} else if (!memcmp(hdr, "HPET", ACPI_SIG_LEN)) {
		parse = acpi_parse_hpet;
		seen = info->has_hpet;
	} else {
		return;
	}
	/* Only the first valid copy counts (a second HPET is a second timer
	 * block we do not drive). */
	if (seen)
		return;
	table = acpi_map_table(p, phys, hdr, &len);
	if (table)
		parse(table, len, info);
}

/* Map and verify the root table at @phys; returns it with its entry count. */
static const u8 *acpi_map_root(struct acpi_parser *p, u64 phys,
			       const char *sig, u32 entry_size, u32 *count)
{
	const u8 *hdr, *root;
	u32 len;

	hdr = acpi_map_header(p, phys);
	if (!hdr)
		return NULL;
	if (memcmp(hdr, sig, ACPI_SIG_LEN)) {
		acpi_add_warning(p->info, "ACPI: root table signature bad");
		return NULL;
	}
	root = acpi_map_table(p, phys, hdr, &len);
	if (root)
		*count = (len - ACPI_HDR_LEN) / entry_size;
	return root;
}

static void acpi_parse_root(struct acpi_parser *p, const u8 *root, u32 count,
			    u32 entry_size)
{
	u32 i;

	for (i = 0; i < count; i++) {
		/* RSDT entries are 4 bytes and zero-extend; little-endian. */
		u64 phys = 0;

		memcpy(&phys, root + ACPI_HDR_LEN + i * entry_size, entry_size);
		acpi_parse_entry(p, phys);
	}
}

/* Returns the XSDT when the RSDP vouches for it and it verifies, else NULL
 * (with a warning when it was there but bad). */
static const u8 *acpi_find_xsdt(struct acpi_parser *p, const u8 *rsdp,
				u32 rsdp_len, u64 *phys, u32 *count)
{
	const u8 *xsdt;

	if (rsdp[RSDP_OFF_REVISION] < 2 || rsdp_len < RSDP_V2_LEN)
		return NULL;
	/* Our copy is exactly the 36-byte structure, whatever its length
	 * field claims, so that is what the extended checksum covers. */
	if (acpi_checksum(rsdp, RSDP_V2_LEN)) {
		acpi_add_warning(p->info, "ACPI: RSDP extended checksum bad, using RSDT");
		return NULL;
	}
	*phys = get_le64(rsdp + RSDP_OFF_XSDT);
	if (!*phys)
		return NULL;
	xsdt = acpi_map_root(p, *phys, "XSDT", 8, count);
	if (!xsdt)
		acpi_add_warning(p->info, "ACPI: XSDT invalid, falling back to RSDT");
	return xsdt;
}

bool acpi_parse(const void *rsdp, u32 rsdp_len, u64 rsdp_phys,
		acpi_map_fn map, void *ctx, struct acpi_info *out,
		const char **error)
{
	struct acpi_parser p = { .map = map, .map_ctx = ctx, .info = out };
	const u8 *r = rsdp, *root;
	u32 entry_size = 8, count = 0;
	u64 root_phys = 0;

	memset(out, 0, sizeof(*out));
	*error = NULL;
	if (!rsdp || rsdp_len < RSDP_V1_LEN) {
		*error = "ACPI: no RSDP";
		return false;
	}
	if (memcmp(r, "RSD PTR ", 8)) {
		*error = "ACPI: RSDP signature bad";
		return false;
	}
	if (acpi_checksum(r, RSDP_V1_LEN)) {
		*error = "ACPI: RSDP checksum bad";
		return false;
	}
	out->revision = r[RSDP_OFF_REVISION];
	out->rsdp_phys = rsdp_phys;

	root = acpi_find_xsdt(&p, r, rsdp_len, &root_phys, &count);
	if (root) {
		out->root_is_xsdt = true;
	} else {
		entry_size = 4;
		root_phys = get_le32(r + RSDP_OFF_RSDT);
		if (root_phys)
			root = acpi_map_root(&p, root_phys, "RSDT", 4, &count);
	}
	if (!root) {
		*error = "ACPI: no valid RSDT or XSDT";
		return false;
	}
	out->root_phys = root_phys;
	acpi_parse_root(&p, root, count, entry_size);
	return true;
}
