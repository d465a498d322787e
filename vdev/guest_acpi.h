/*
 * ACPI tables for a Linux guest, built into guest memory: RSDP (ACPI 2.0),
 * XSDT, MADT (one enabled x2APIC-capable LAPIC entry per vCPU, one IOAPIC,
 * an ISA IRQ0->GSI2 override; PCAT_COMPAT clear: there is no PIC), a
 * hardware-reduced FADT (no PM timer, no PIC, no CMOS RTC; sleep control
 * and status registers and a reset register at Holdfast's I/O ports) and a
 * DSDT whose only object is \_S5 (so "poweroff" uses the sleep register).
 * Pure, host unit-tested: it writes into a caller buffer.
 */
#ifndef HOLDFAST_GUEST_ACPI_H
#define HOLDFAST_GUEST_ACPI_H

#include "lib/types.h"

/* The guest's power-management I/O ports (FADT sleep and reset regs). */
#define GUEST_ACPI_SLEEP_CONTROL_PORT 0x600 /* write: SLP_TYPx << 2 | SLP_EN */
#define GUEST_ACPI_SLEEP_STATUS_PORT 0x601
#define GUEST_ACPI_RESET_PORT 0x602
#define GUEST_ACPI_RESET_VALUE 0x0e
#define GUEST_ACPI_S5_TYPE 5        /* \_S5's SLP_TYP value */
#define GUEST_ACPI_SLP_EN (1u << 5)

#define GUEST_ACPI_MAX_SIZE 8192

struct guest_acpi_config {
	u32 vcpus;
	u64 lapic_base;   /* 0xFEE00000 */
	u64 ioapic_base;  /* 0xFEC00000 */
	u8 ioapic_id;
	u32 ioapic_gsi_base;
};

/*
 * Build the tables into @buf (@size bytes), which the guest will see at
 * guest-physical @gpa (tables reference each other by GPA). Returns the
 * bytes used (the RSDP is at @gpa + 0), or 0 when @size is too small or
 * @cfg->vcpus is 0. vCPU i gets APIC ID and ACPI UID i: an xAPIC (type 0)
 * MADT entry below 255, an x2APIC (type 9) entry from 255 on.
 */
u32 guest_acpi_build(const struct guest_acpi_config *cfg, void *buf, u32 size,
		     u64 gpa);

#endif
