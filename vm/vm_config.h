/*
 * VM configuration from the GRUB entry's module strings. Pure code, host
 * unit-tested. Grammar of one module string (what follows the file name on
 * a `module2` line):
 *
 *     vm=NAME ROLE [OPTION=VALUE ...] [-- GUEST COMMAND LINE]
 *
 * ROLE is one of `elf` (a freestanding test guest), `kernel` (a Linux
 * bzImage) or `initrd`. VM options may stand on any of the VM's module lines;
 * the same option given twice with different values is an error. Every error
 * names the VM and the option; a VM with any error is marked bad and is not
 * started, the others are.
 */
#ifndef HOLDFAST_VM_CONFIG_H
#define HOLDFAST_VM_CONFIG_H

#include "kernel/multiboot2.h"

#define VM_MAX_VMS 16
#define VM_PIN_SETS_MAX 64

/* lhp= modes (combined with '+'); sched/lhp/lhp.c decides with them. */
#define LHP_DELAY (1u << 0)     /* delayed preemption, patched guests */
#define LHP_SAFEPOINT (1u << 1) /* preempt in guest user mode or halted */
#define LHP_SPIN (1u << 2)      /* PAUSE spin detection, directed yield */
#define LHP_KVMPV (1u << 3)     /* KVM PV: steal time with the preempted
				 * flag, PV_UNHALT + KICK_CPU, SCHED_YIELD */
#define VM_NAME_MAX 16      /* including the NUL */
#define VM_CMDLINE_MAX 1024 /* including the NUL */
#define VM_MIN_MEMORY MiB(4)
#define VM_DEFAULT_MEMORY MiB(64)

struct vm_config {
	char name[VM_NAME_MAX];
	s32 elf_module;    /* index into the boot modules, -1 when absent */
	s32 kernel_module;
	s32 initrd_module;
	u32 vcpus;         /* default 1 */
	u64 memory;        /* bytes, a multiple of 2 MiB; default 64 MiB */
	char guest_cmdline[VM_CMDLINE_MAX]; /* after "--"; "" when none */
	bool on_reboot_restart; /* on_reboot=restart (default) or stop */
	u32 weight;             /* weight=N: share under sched=credit (256) */
	u32 cap;                /* cap=PCT: at most PCT% of one CPU, 0 = none */
	/* pin=CPUS (one set for every vCPU) or pin=CPUS/CPUS/... (one set
	 * per vCPU, in vCPU order): the CPUs a vCPU may run on. */
	u32 pin_sets;           /* 0: no pin= */
	u64 pin[VM_PIN_SETS_MAX][4]; /* bit per CPU 0-255 */
	u32 lhp;                /* LHP_* bits: lock-holder preemption measures */
	bool lhp_given;         /* lhp= was given (else a default by kind) */
	u16 serial_port;        /* serial=com1|com2: a host UART of its own;
				 * 0 = the hypervisor console (serial=console) */
	bool bad;          /* an error was reported: do not start */
};

/* The CPU set vCPU @vcpu may run on; NULL when the VM has no pin=. */
static inline const u64 *vm_config_pin(const struct vm_config *vm, u32 vcpu)
{
	if (!vm->pin_sets)
		return NULL;
	return vm->pin[vm->pin_sets == 1 ? 0 : vcpu];
}

struct vm_config_set {
	struct vm_config vms[VM_MAX_VMS];
	u32 count;
};

struct vm_config_limits {
	u32 max_vcpus;  /* most vCPUs one VM may have */
	u64 max_memory; /* most memory one VM may have, in bytes */
};

/* Called once per error with a complete sentence that names the VM (or the
 * module, when it has no vm=) and the option, e.g.
 * "vm web: option memory=12Q: expected a size such as 256M". */
typedef void (*vm_config_error_fn)(void *ctx, const char *message);

/* Build the VM list from @count module strings. Modules without a vm=
 * option are reported and skipped. Returns the number of VMs that are not
 * bad. */
u32 vm_config_parse(const struct boot_module *mods, u32 count,
		    const struct vm_config_limits *limits,
		    struct vm_config_set *out, vm_config_error_fn error,
		    void *ctx);

#endif
