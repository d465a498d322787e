/*
 * exits: one check per kind of exit Holdfast handles (run with 2 vCPUs).
 * vCPU 0 runs the checks; vCPU 1 sleeps in "sti; hlt" until vCPU 0 wakes
 * it with an IPI. Each check runs under try_call(), so an unexpected
 * exception fails that check instead of the guest. Prints
 * "exits: ok NAME" or "exits: FAIL NAME DETAILS" per check, then
 * "exits: all checks passed" or "exits: N checks failed".
 */
#include <stdarg.h>

#include "lib/format.h"
#include "lib/string.h"
#include "tests/guests/lib/rt.h"

const char guest_name[] = "exits";

#define IPI_VECTOR 0x40
#define MMIO_PROBE 0xc0000000ull

struct check {
	const char *name;
	bool failed;
	int len;
	char detail[200];
};

static unsigned nr_vcpus, checks_failed;

/* vCPU 1's side of the cross-CPU wake-up; written where noted. */
static u32 helper_waiting;  /* vCPU 1: about to halt */
static u32 helper_reported; /* vCPU 1: helper_deliveries is valid */
static u32 helper_deliveries;
static u32 helper_abort;    /* vCPU 0: give up waiting */

static void __printf(2, 3) check_fail(struct check *c, const char *fmt, ...)
{
	va_list ap;
	int room = (int)sizeof(c->detail) - c->len;

	c->failed = true;
	if (room <= 1)
		return;
	if (c->len) {
		c->detail[c->len++] = ';';
		room--;
	}
	va_start(ap, fmt);
	int n = format_v(c->detail + c->len, (size_t)room, fmt, ap);

	va_end(ap);
	c->len += MIN(n, room - 1);
}

static void run_check(const char *name, void (*body)(void *))
{
	struct check c = { .name = name };
	int vec = try_call(body, &c);

	if (vec >= 0)
		check_fail(&c, " unexpected exception %d at rip 0x%lx error 0x%lx",
			   vec, trap_last_fault_rip(), trap_last_fault_error());
	if (c.failed) {
		checks_failed++;
		gprintf("exits: FAIL %s%s\n", name, c.detail);
	} else {
		gprintf("exits: ok %s\n", name);
	}
}

static void check_cpuid(void *arg)
{
	struct check *c = arg;
	struct cpuid_regs r = cpuid(1, 0);

	if (!(r.ecx & (1u << 31)))
		check_fail(c, " leaf 1 ecx 0x%x: hypervisor bit clear", r.ecx);
	if (r.ecx & (1u << 5))
		check_fail(c, " leaf 1 ecx 0x%x: VMX visible", r.ecx);
	if (r.ecx & (1u << 3))
		check_fail(c, " leaf 1 ecx 0x%x: MONITOR visible", r.ecx);
	if (cpuid(0x80000000, 0).eax >= 0x80000001) {
		r = cpuid(0x80000001, 0);
		if (r.ecx & (1u << 2))
			check_fail(c, " leaf 0x80000001 ecx 0x%x: SVM visible",
				   r.ecx);
	}
	r = cpuid(HF_CPUID_KVM_SIGNATURE, 0);
	char sig[12];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	if (memcmp(sig, "KVMKVMKVM\0\0\0", 12))
		check_fail(c, " leaf 0x40000000 ebx/ecx/edx 0x%x 0x%x 0x%x",
			   r.ebx, r.ecx, r.edx);
	r = cpuid(HF_CPUID_SIGNATURE, 0);
	if (r.ebx != HF_SIGNATURE_EBX || r.ecx != HF_SIGNATURE_ECX)
		check_fail(c, " leaf 0x40000100 ebx/ecx 0x%x 0x%x", r.ebx,
			   r.ecx);
}

/* Write @val to @msr, read it back, put the old value back. */
static void msr_round_trip(struct check *c, u32 msr, u64 val)
{
	u64 old, got;
	int vec = rdmsr_safe(msr, &old);

	if (vec >= 0) {
		check_fail(c, " rdmsr 0x%x: vector %d", msr, vec);
		return;
	}
	vec = wrmsr_safe(msr, val);
	if (vec >= 0) {
		check_fail(c, " wrmsr 0x%x: vector %d", msr, vec);
		return;
	}
	vec = rdmsr_safe(msr, &got);
	if (vec >= 0 || got != val)
		check_fail(c, " msr 0x%x: wrote 0x%lx read 0x%lx (vector %d)",
			   msr, val, got, vec);
	wrmsr_safe(msr, old);
}

static void check_msr(void *arg)
{
	struct check *c = arg;
	u64 efer;
	int vec = rdmsr_safe(MSR_EFER, &efer);

	if (vec >= 0)
		check_fail(c, " rdmsr EFER: vector %d", vec);
	else if ((efer & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA) ||
		 (efer & EFER_SVME))
		check_fail(c, " EFER 0x%lx: want LME, LMA set, SVME clear",
			   efer);
	msr_round_trip(c, MSR_STAR, 0x0023000812345678ull);
	msr_round_trip(c, MSR_KERNEL_GS_BASE, 0x00007fff12345000ull);
	u64 junk;

	vec = rdmsr_safe(0x12345678, &junk);
	if (vec != VEC_GP)
		check_fail(c, " rdmsr 0x12345678: vector %d, want 13", vec);
	vec = wrmsr_safe(0xc0010117, 0); /* VM_HSAVE_PA */
	if (vec != VEC_GP)
		check_fail(c, " wrmsr VM_HSAVE_PA: vector %d, want 13", vec);
}

static void check_io(void *arg)
{
	struct check *c = arg;
	u32 b = inb(0x80), w = inw(0x80), l = inl(0x80);

	if (b != 0xff || w != 0xffff || l != 0xffffffff)
		check_fail(c, " port 0x80 read 0x%x 0x%x 0x%x", b, w, l);
	outb(0x80, 0x55);
	outw(0x2f0, 0x1234);
	outl(0x2f0, 0x12345678);
	b = inb(0x80);
	if (b != 0xff)
		check_fail(c, " port 0x80 read 0x%x after a write", b);
}

static void check_hypercall(void *arg)
{
	struct check *c = arg;
	u64 r;

	r = hypercall_vmmcall(HF_HC_NOP, 0, 0, 0, 0);
	if (r != 0)
		check_fail(c, " NOP via VMMCALL returned 0x%lx", r);
	r = hypercall_vmcall(HF_HC_NOP, 0, 0, 0, 0);
	if (r != 0)
		check_fail(c, " NOP via VMCALL returned 0x%lx", r);
	r = hypercall(0x7777, 1, 2, 3, 4);
	if (r != (u64)-HF_ENOSYS)
		check_fail(c, " unknown call 0x7777 returned 0x%lx", r);
	r = hypercall(HF_HC_VCPU_INFO, 0, 0, 0, 0);
	if (r != ((u64)nr_vcpus << 32 | this_vcpu()))
		check_fail(c, " VCPU_INFO returned 0x%lx", r);
}

/* Explicit MOV forms: the ones Holdfast's MMIO decoder knows. */
static void check_mmio(void *arg)
{
	struct check *c = arg;
	u64 top = paging_mem_top();

	if (top > MMIO_PROBE) {
		check_fail(c, " memory ends at 0x%lx, past the probe address",
			   top);
		return;
	}
	void *p = (void *)(uintptr_t)MMIO_PROBE;
	u8 v8;
	u16 v16;
	u32 v32, zx8, zx16, sx8;
	u64 v64;

	asm volatile("movb (%1), %0" : "=r"(v8) : "r"(p) : "memory");
	asm volatile("movw (%1), %0" : "=r"(v16) : "r"(p) : "memory");
	asm volatile("movl (%1), %0" : "=r"(v32) : "r"(p) : "memory");
	asm volatile("movq (%1), %0" : "=r"(v64) : "r"(p) : "memory");
	if (v8 != 0xff || v16 != 0xffff || v32 != ~0u || v64 != ~0ull)
		check_fail(c, " reads 0x%x 0x%x 0x%x 0x%lx", v8, v16, v32, v64);
	asm volatile("movl %0, (%1)" : : "r"(0x12345678u), "r"(p) : "memory");
	asm volatile("movq %0, (%1)" : : "r"(0x1122334455667788ull), "r"(p)
		     : "memory");
	asm volatile("movl $0x5a5a5a5a, (%0)" : : "r"(p) : "memory");
	asm volatile("movb %0, (%1)" : : "r"((u8)0x42), "r"(p) : "memory");
	asm volatile("movq (%1), %0" : "=r"(v64) : "r"(p) : "memory");
	if (v64 != ~0ull)
		check_fail(c, " read 0x%lx after writes", v64);
	asm volatile("movzbl (%1), %0" : "=r"(zx8) : "r"(p) : "memory");
	asm volatile("movzwl (%1), %0" : "=r"(zx16) : "r"(p) : "memory");
	asm volatile("movsbl (%1), %0" : "=r"(sx8) : "r"(p) : "memory");
	if (zx8 != 0xff || zx16 != 0xffff || sx8 != ~0u)
		check_fail(c, " movzx/movsx read 0x%x 0x%x 0x%x", zx8, zx16,
			   sx8);
}

static void check_interrupt_self(struct check *c)
{
	unsigned me = this_vcpu();
	u32 before = irq_count(me, IPI_VECTOR);
	u64 r = hypercall_send_ipi(1ull << me, IPI_VECTOR | HF_IPI_FIXED);

	if (r != 1)
		check_fail(c, " SEND_IPI to self returned 0x%lx", r);
	struct deadline d = deadline_start(DEADLINE_SHORT);

	while (!deadline_wait(&d))
		;
	if (irq_count(me, IPI_VECTOR) != before)
		check_fail(c, " self IPI delivered with IF=0");
	irq_window();
	u32 n = irq_count(me, IPI_VECTOR) - before;

	irq_window(); /* a second window must find nothing left */
	u32 again = irq_count(me, IPI_VECTOR) - before - n;

	if (n != 1 || again)
		check_fail(c, " self IPI delivered %u times, then %u more", n,
			   again);
}

static void check_interrupt_cross(struct check *c)
{
	if (nr_vcpus < 2) {
		check_fail(c, " needs 2 vcpus to wake vcpu 1");
		return;
	}
	struct deadline d = deadline_start(DEADLINE_LONG);

	while (!__atomic_load_n(&helper_waiting, __ATOMIC_ACQUIRE))
		if (deadline_wait(&d)) {
			check_fail(c, " vcpu 1 never got ready");
			return;
		}
	/* give it time to reach HLT: the wake-up is the point */
	d = deadline_start(DEADLINE_SHORT);
	while (!deadline_wait(&d))
		;
	u64 r = hypercall_send_ipi(1ull << 1, IPI_VECTOR | HF_IPI_FIXED);

	if (r != 1)
		check_fail(c, " SEND_IPI to vcpu 1 returned 0x%lx", r);
	d = deadline_start(DEADLINE_LONG);
	while (!__atomic_load_n(&helper_reported, __ATOMIC_ACQUIRE)) {
		if (deadline_wait(&d)) {
			check_fail(c, " vcpu 1 not woken from sti; hlt");
			/* an NMI ends even a HLT that interrupts cannot */
			__atomic_store_n(&helper_abort, 1, __ATOMIC_RELEASE);
			hypercall_send_ipi(1ull << 1, HF_IPI_NMI);
			return;
		}
	}
	u32 n = __atomic_load_n(&helper_deliveries, __ATOMIC_ACQUIRE);

	if (n != 1)
		check_fail(c, " vcpu 1 handled the IPI %u times", n);
}

static void check_interrupt(void *arg)
{
	struct check *c = arg;

	irq_disable();
	check_interrupt_self(c);
	check_interrupt_cross(c);
}

static void check_nmi(void *arg)
{
	struct check *c = arg;
	unsigned me = this_vcpu();
	u64 before = nmi_count(me);
	u64 r = hypercall_send_ipi(1ull << me, HF_IPI_NMI);

	if (r != 1)
		check_fail(c, " SEND_IPI(NMI) to self returned 0x%lx", r);
	struct deadline d = deadline_start(DEADLINE_LONG);

	while (nmi_count(me) == before && !deadline_wait(&d))
		;
	d = deadline_start(DEADLINE_SHORT);
	while (!deadline_wait(&d))
		;
	if (nmi_count(me) != before + 1)
		check_fail(c, " %lu NMIs counted, want 1", nmi_count(me) - before);
}

/*
 * An NMI raised inside the NMI handler waits until the handler's IRET has
 * retired. AMD-V sees that IRET (intercepted) before it runs: a hypervisor
 * that unblocks NMIs there delivers the second NMI at the IRET itself, on
 * the first one's frame.
 */
static u32 nmi_raise_again;

static void on_nmi(unsigned vector)
{
	(void)vector;
	if (__atomic_exchange_n(&nmi_raise_again, 0, __ATOMIC_ACQ_REL))
		hypercall_send_ipi(1ull << this_vcpu(), HF_IPI_NMI);
}

static void check_nmi_in_handler(void *arg)
{
	struct check *c = arg;
	unsigned me = this_vcpu();
	u64 before = nmi_count(me);

	nmi_set_handler(on_nmi);
	__atomic_store_n(&nmi_raise_again, 1, __ATOMIC_RELEASE);
	if (hypercall_send_ipi(1ull << me, HF_IPI_NMI) != 1)
		check_fail(c, " SEND_IPI(NMI) to self failed");
	struct deadline d = deadline_start(DEADLINE_LONG);

	while (nmi_count(me) < before + 2 && !deadline_wait(&d))
		;
	d = deadline_start(DEADLINE_SHORT);
	while (!deadline_wait(&d))
		;
	nmi_set_handler(NULL);
	if (nmi_count(me) != before + 2)
		check_fail(c, " %lu NMIs counted, want 2", nmi_count(me) - before);
	if (nmi_last_rip(me) == (u64)(uintptr_t)rt_trap_iret)
		check_fail(c, " the second NMI came in at the first one's IRET");
}

static void check_ud(void *arg)
{
	struct check *c = arg;

	for (unsigned i = 0; i < insn_probes_virt_count; i++) {
		const struct insn_probe *p = &insn_probes_virt[i];
		int vec = try_call(p->fn, insn_probe_scratch);

		if (vec != VEC_UD)
			check_fail(c, " %s: vector %d", p->name, vec);
	}
}

static u64 user_vmmcall_nop(void *arg)
{
	(void)arg;
	return hypercall_vmmcall(HF_HC_NOP, 0, 0, 0, 0);
}

static u64 user_vmcall_nop(void *arg)
{
	(void)arg;
	return hypercall_vmcall(HF_HC_NOP, 0, 0, 0, 0);
}

static void check_user(void *arg)
{
	struct check *c = arg;
	u64 (*const calls[])(void *) = { user_vmmcall_nop, user_vmcall_nop };
	const char *const names[] = { "VMMCALL", "VMCALL" };

	for (unsigned i = 0; i < ARRAY_SIZE(calls); i++) {
		u64 r = 0;
		int vec = user_call(calls[i], NULL, &r);

		if (vec >= 0)
			check_fail(c, " %s NOP at CPL 3: vector %d at rip 0x%lx",
				   names[i], vec, trap_last_fault_rip());
		else if (r != (u64)-HF_EPERM)
			check_fail(c, " %s NOP at CPL 3 returned 0x%lx",
				   names[i], r);
	}
}

/* vCPU 1: sleep with interrupts on until the IPI (or vCPU 0 gives up). */
static void helper_main(void)
{
	irq_disable();
	__atomic_store_n(&helper_waiting, 1, __ATOMIC_RELEASE);
	while (!irq_count(1, IPI_VECTOR) &&
	       !__atomic_load_n(&helper_abort, __ATOMIC_ACQUIRE)) {
		irq_enable_and_halt();
		irq_disable();
	}
	__atomic_store_n(&helper_deliveries, irq_count(1, IPI_VECTOR),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&helper_reported, 1, __ATOMIC_RELEASE);
}

/* vCPU 0, at the end: should the IPI check have failed before waking
 * vCPU 1, an NMI still ends its HLT, so the VM can stop. */
static void helper_release(void *arg)
{
	(void)arg;
	__atomic_store_n(&helper_abort, 1, __ATOMIC_RELEASE);
	if (nr_vcpus >= 2 &&
	    !__atomic_load_n(&helper_reported, __ATOMIC_ACQUIRE))
		hypercall_send_ipi(1ull << 1, HF_IPI_NMI);
}

static void on_ipi(unsigned vector)
{
	(void)vector; /* irq_count() does the counting */
}

void guest_main(unsigned index, unsigned count)
{
	if (index == 0) {
		nr_vcpus = count;
		paging_init();
		irq_set_handler(IPI_VECTOR, on_ipi);
		gprintf("exits: %u vcpus, memory 0x%lx\n", count,
			paging_mem_top());
	}
	smp_barrier();
	if (index != 0)
		paging_load();
	if (index == 1)
		helper_main();
	if (index != 0)
		return;
	run_check("cpuid", check_cpuid);
	run_check("msr", check_msr);
	run_check("io", check_io);
	run_check("hypercall", check_hypercall);
	run_check("mmio", check_mmio);
	run_check("interrupt", check_interrupt);
	run_check("nmi", check_nmi);
	run_check("nmi_in_handler", check_nmi_in_handler);
	run_check("ud", check_ud);
	run_check("user", check_user);
	if (checks_failed)
		gprintf("exits: %u checks failed\n", checks_failed);
	else
		gprintf("exits: all checks passed\n");
	try_call(helper_release, NULL);
}
