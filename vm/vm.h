/* Virtual machines: memory, vCPUs, lifecycle. */
#ifndef HOLDFAST_VM_H
#define HOLDFAST_VM_H

#include "lib/types.h"
#include "lib/spinlock.h"
#include "vm/vcpu.h"
#include "vm/vm_config.h"
#include "vm/vm_console.h"
#include "vdev/vioapic.h"
#include "vdev/vuart.h"
#include "arch/x86/gpa_map.h"

#define VM_MAX_VCPUS 64
#define VM_CHUNK_SIZE LARGE_PAGE_SIZE /* guest RAM comes in 2 MiB chunks */
#define VM_STOP_REASON_MAX 160

struct vm {
	char name[VM_NAME_MAX];
	u32 id;
	u64 memory;    /* guest RAM at [0, memory) */
	u64 *chunks;   /* host physical address of each 2 MiB chunk */
	u32 nchunks;
	struct gpa_map map;
	u32 nvcpus;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	struct sched_vm svm;            /* under sched=credit */
	struct vm_console console;      /* port 0xE9 */
	struct vm_console uart_console; /* what the guest sends to its UART */
	u64 start_tsc;                  /* guest time 0 (kvmclock) */

	/* The virtual platform (vm/vm_platform.c). */
	struct vlapic_env lapic_env;
	struct vioapic_env ioapic_env;
	struct vuart_env uart_env;
	struct vioapic ioapic;
	struct vuart uart;

	/* What it was made from, to boot it again on reboot. */
	const struct vm_config *cfg;
	const struct boot_module *mods;
	u32 reboots;

	/* Shared. */
	volatile u32 stopping; /* set once, by vm_stop() */
	volatile u32 reboot_requested;
	char stop_reason[VM_STOP_REASON_MAX]; /* written by the first stopper */
	volatile u32 vcpus_running; /* vCPUs still in their loop */
	u32 vcpus_parked; /* in VCPU_PARKED (atomic; sched/lhp/pv_unhalt.c) */
};

/* Create VM @cfg: memory, guest-physical map, vCPUs; load its ELF. On
 * failure it reports why (naming the VM) and returns NULL. */
struct vm *vm_create(const struct vm_config *cfg, u32 id,
		     const struct boot_module *mods);

/* Stop @vm (from any of its vCPUs or any CPU): the first call records the
 * reason; every vCPU leaves its loop; the last one prints the report. */
void vm_stop(struct vm *vm, const char *fmt, ...) __printf(2, 3);

/* One line per vCPU: its exits by reason (read while it runs: the figures
 * are a snapshot, each counter exact). */
void vm_print_counters(struct vm *vm);
/* The lock-holder-preemption counters (sched/lhp/lhp_report.c). */
void vm_print_lhp(struct vm *vm);

/* Start @vm's vCPUs on the CPUs they were placed on. */
void vm_start(struct vm *vm);

/* The guest asked for a reset: stop every vCPU, then boot the VM again
 * (or stop it, with on_reboot=stop). */
void vm_request_reboot(struct vm *vm);

/* Called by each vCPU as it leaves its loop. */
void vm_vcpu_exited(struct vm *vm);

/* Set up the VM's virtual devices and each vCPU's vLAPIC. */
void vm_platform_init(struct vm *vm);

/* Host pointer to @len bytes of guest RAM at @gpa, or NULL when the range
 * is not RAM or crosses a chunk boundary. */
void *vm_gpa_to_hva(struct vm *vm, u64 gpa, u64 len);
bool vm_read_gpa(struct vm *vm, u64 gpa, void *buf, u64 len);
bool vm_write_gpa(struct vm *vm, u64 gpa, const void *src, u64 len);

/* Every VM that was started. */
extern struct vm *vms[VM_MAX_VMS];
extern u32 vm_count;

#endif
