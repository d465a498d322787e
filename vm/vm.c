/* VM objects: guest RAM, the guest-physical map, vCPUs, and stopping. */
#include <stdarg.h>
#include "vm/vm.h"
#include "kernel/console.h"
#include "vm/exit.h"
#include "lib/format.h"
#include "kernel/heap.h"
#include "kernel/page_alloc.h"
#include "kernel/shutdown.h"
#include "lib/string.h"
#include "vm/vm_boot.h"
#include "sched/hv/vsched.h"
#include "kernel/percpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"

struct vm *vms[VM_MAX_VMS];
u32 vm_count;
static volatile u32 vms_running;

void *vm_gpa_to_hva(struct vm *vm, u64 gpa, u64 len)
{
	u64 chunk = gpa / VM_CHUNK_SIZE;

	if (gpa >= vm->memory || len > vm->memory - gpa ||
	    (gpa % VM_CHUNK_SIZE) + len > VM_CHUNK_SIZE)
		return NULL;
	return (void *)(uintptr_t)(vm->chunks[chunk] + gpa % VM_CHUNK_SIZE);
}

/* Copy in pieces that do not cross a chunk (host frames of neighbouring
 * chunks are not contiguous). */
static bool vm_copy_gpa(struct vm *vm, u64 gpa, void *host, const void *src,
			u64 len)
{
	while (len) {
		u64 piece = MIN(len, VM_CHUNK_SIZE - gpa % VM_CHUNK_SIZE);
		u8 *g = vm_gpa_to_hva(vm, gpa, piece);

		if (!g)
			return false;
		if (host)
			memcpy(host, g, piece);
		else if (src)
			memcpy(g, src, piece);
		else
			memset(g, 0, piece);
		gpa += piece;
		len -= piece;
		if (host)
			host = (u8 *)host + piece;
		if (src)
			src = (const u8 *)src + piece;
	}
	return true;
}

bool vm_read_gpa(struct vm *vm, u64 gpa, void *buf, u64 len)
{
	return vm_copy_gpa(vm, gpa, buf, NULL, len);
}

bool vm_write_gpa(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	/* src == NULL zero-fills (the ELF loader's bss). */
	return vm_copy_gpa(vm, gpa, NULL, src, len);
}

static void vm_free(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		if (!vm->vcpus[i])
			continue;
		vcpu_hw_destroy(vm->vcpus[i]);
		kfree(vm->vcpus[i]);
	}
	gpa_map_destroy(&vm->map);
	for (u32 i = 0; vm->chunks && i < vm->nchunks; i++)
		if (vm->chunks[i])
			page_free(vm->chunks[i], VM_CHUNK_SIZE / PAGE_SIZE);
	kfree(vm->chunks);
	kfree(vm);
}

static bool vm_alloc_memory(struct vm *vm, const char **error)
{
	vm->nchunks = (u32)(vm->memory / VM_CHUNK_SIZE);
	vm->chunks = kzalloc(vm->nchunks * sizeof(u64));
	if (!vm->chunks || !gpa_map_init(&vm->map, virt_gpa_format())) {
		*error = "out of host memory for its bookkeeping";
		return false;
	}
	for (u32 i = 0; i < vm->nchunks; i++) {
		u64 pages = VM_CHUNK_SIZE / PAGE_SIZE;

		vm->chunks[i] = page_alloc_aligned(pages, pages);
		if (!vm->chunks[i]) {
			*error = "not enough free host memory for its RAM";
			return false;
		}
		if (!gpa_map_add(&vm->map, (u64)i * VM_CHUNK_SIZE,
				 vm->chunks[i], VM_CHUNK_SIZE)) {
			*error = "out of host memory for its nested page tables";
			return false;
		}
	}
	return true;
}

struct vm *vm_create(const struct vm_config *cfg, u32 id,
		     const struct boot_module *mods)
{
	struct vm *vm = kzalloc(sizeof(*vm));
	const char *error = "out of host memory";

	if (!vm)
		goto fail;
	memcpy(vm->name, cfg->name, sizeof(vm->name));
	vm->id = id;
	vm->cfg = cfg;
	vm->mods = mods;
	vm->memory = cfg->memory;
	vm->nvcpus = cfg->vcpus;
	if (!vm_alloc_memory(vm, &error))
		goto fail;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = kzalloc(sizeof(*v));

		vm->vcpus[i] = v;
		if (!v)
			goto fail;
		v->vm = vm;
		v->index = i;
		if (!vcpu_hw_create(v) || !guest_state_alloc(&v->xs)) {
			error = "out of host memory for its vCPU state";
			goto fail;
		}
		/* Spin detection (sched/lhp/spin_detect.c) feeds on PAUSE exits. */
		vcpu_set_intercept(v, VINTERCEPT_PAUSE, cfg->lhp & LHP_SPIN);
	}
	vm_platform_init(vm);
	vm->start_tsc = rdtsc();
	if (!vm_boot_prepare(vm, cfg, mods, &error))
		goto fail;
	return vm;
fail:
	pr_err("holdfast: error: vm %s: %s; vm not started", cfg->name, error);
	if (vm)
		vm_free(vm);
	return NULL;
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&vm->stopping, 1, __ATOMIC_SEQ_CST))
		return; /* the first reason is the one reported */
	va_start(ap, fmt);
	format_v(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		vcpu_request(vm->vcpus[i], VCPU_REQ_STOP);
		vcpu_kick(vm->vcpus[i]);
	}
}

void vm_print_counters(struct vm *vm)
{
	char line[512];

	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		int n = format(line, sizeof(line), "holdfast: vm %s vcpu %u exits: total=%lu",
			       vm->name, i, v->exits_total);

		for (u32 r = 0; r < EXIT_REASON_COUNT; r++)
			if (v->exits[r] && n < (int)sizeof(line))
				n += format(line + n, sizeof(line) - n, " %s=%lu",
					    exit_reason_name(r), v->exits[r]);
		pr_info("%s", line);
	}
}

static void vm_report_stopped(struct vm *vm)
{
	vm_console_flush(&vm->console, vm->name);
	vm_console_flush(&vm->uart_console, vm->name);
	if (!vm->stopping) {
		vm->stopping = 1;
		format(vm->stop_reason, sizeof(vm->stop_reason),
		       "halted with interrupts off");
	}
	pr_info("holdfast: vm %s stopped: %s", vm->name, vm->stop_reason);
	vm_print_counters(vm);
	vm_print_lhp(vm);
	if (vsched_enabled())
		vsched_print_vm(vm);
	if (__atomic_sub_fetch(&vms_running, 1, __ATOMIC_SEQ_CST) == 0) {
		pr_info("holdfast: all VMs stopped");
		hv_debug_exit(EXIT_CODE_SUCCESS);
	}
}

void vm_request_reboot(struct vm *vm)
{
	__atomic_store_n(&vm->reboot_requested, 1, __ATOMIC_SEQ_CST);
	vm_stop(vm, "guest reset");
}

/* Hand every vCPU to its physical CPU, or to the scheduler. */
static void vm_dispatch_vcpus(struct vm *vm)
{
	vm->vcpus_running = vm->nvcpus;
	if (vsched_enabled()) {
		vsched_start_vm(vm);
		return;
	}
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		struct percpu *pc = &percpu_area[v->pcpu];

		__atomic_store_n(&pc->vcpu, v, __ATOMIC_RELEASE);
		if (pc != this_cpu())
			lapic_send_ipi(pc->apic_id, VEC_KICK);
	}
}

/* Boot the VM again from its modules, on the same CPUs (from the last of
 * its vCPUs to stop: nothing of it runs any more). */
static bool vm_restart(struct vm *vm)
{
	const char *error;

	pr_info("holdfast: vm %s rebooting (reboot %u)", vm->name, ++vm->reboots);
	vm_console_flush(&vm->console, vm->name);
	vm_console_flush(&vm->uart_console, vm->name);
	vm_platform_init(vm);
	if (!vm_boot_prepare(vm, vm->cfg, vm->mods, &error)) {
		format(vm->stop_reason, sizeof(vm->stop_reason),
		       "cannot reboot: %s", error);
		return false;
	}
	vm->reboot_requested = 0;
	__atomic_store_n(&vm->stopping, 0, __ATOMIC_SEQ_CST);
	vm_dispatch_vcpus(vm);
	return true;
}

void vm_vcpu_exited(struct vm *vm)
{
	if (__atomic_sub_fetch(&vm->vcpus_running, 1, __ATOMIC_SEQ_CST) != 0)
		return;
	if (vm->reboot_requested && vm->cfg->on_reboot_restart && vm_restart(vm))
		return;
	vm_report_stopped(vm);
}

void vm_start(struct vm *vm)
{
	__atomic_add_fetch(&vms_running, 1, __ATOMIC_SEQ_CST);
	vm_dispatch_vcpus(vm);
}
