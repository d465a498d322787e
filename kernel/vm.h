/* Virtual machines: memory, vCPUs, lifecycle. */
#ifndef HOLDFAST_VM_H
#define HOLDFAST_VM_H

#include "kernel/types.h"
#include "kernel/spinlock.h"
#include "kernel/vcpu.h"
#include "kernel/vm_config.h"
#include "kernel/vm_console.h"
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
	struct vm_console console;

	/* Shared. */
	volatile u32 stopping; /* set once, by vm_stop() */
	char stop_reason[VM_STOP_REASON_MAX]; /* written by the first stopper */
	volatile u32 vcpus_running; /* vCPUs still in their loop */
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

/* Count @vm as running (before its vCPUs start). */
void vm_mark_running(struct vm *vm);

/* Called by each vCPU as it leaves its loop. */
void vm_vcpu_exited(struct vm *vm);

/* Host pointer to @len bytes of guest RAM at @gpa, or NULL when the range
 * is not RAM or crosses a chunk boundary. */
void *vm_gpa_to_hva(struct vm *vm, u64 gpa, u64 len);
bool vm_read_gpa(struct vm *vm, u64 gpa, void *buf, u64 len);
bool vm_write_gpa(struct vm *vm, u64 gpa, const void *src, u64 len);

/* Every VM that was started. */
extern struct vm *vms[VM_MAX_VMS];
extern u32 vm_count;

#endif
