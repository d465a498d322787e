/* The IDT, the C side of every trap, and the fault-recovery helpers. */
#include <stddef.h>

#include "tests/guests/lib/console.h"
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/desc.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/percpu.h"
#include "tests/guests/lib/trap.h"

_Static_assert(offsetof(struct rt_recover, rsp) == REC_RSP, "REC_RSP");
_Static_assert(offsetof(struct rt_recover, active) == REC_ACTIVE,
	       "REC_ACTIVE");

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

extern const u8 rt_idt_stubs[];
extern const u8 rt_resume[];
int rt_try(struct rt_recover *rec, void (*fn)(void *), void *arg);
int rt_user(struct rt_recover *rec, u64 (*fn)(void *), void *arg,
	    u64 user_rsp, void *tss_rsp0);
void rt_trap(struct trap_frame *f);

static struct idt_gate idt[256] __aligned(16);
static irq_handler_fn irq_handlers[256];
static irq_handler_fn nmi_handler;

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		u64 addr = (u64)(uintptr_t)rt_idt_stubs + 16 * v;
		/* interrupt gate (IF cleared on entry); only the user-return
		 * gate may be raised from CPL 3 by INT n */
		u8 dpl = v == RT_USER_RETURN_VECTOR ? 3 : 0;

		idt[v] = (struct idt_gate){
			.offset_lo = (u16)addr,
			.selector = SEL_KERNEL_CS,
			.type_attr = (u8)(0x8e | dpl << 5),
			.offset_mid = (u16)(addr >> 16),
			.offset_hi = (u32)(addr >> 32),
		};
	}
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	asm volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_load_empty(void)
{
	struct desc_ptr p = { 0, 0 };

	asm volatile("lidt %0" : : "m"(p) : "memory");
}

/* Resume the interrupted try_call()/user_call() at its recovery point. */
static void trap_resume(struct trap_frame *f, struct rt_recover *rec,
			u64 result)
{
	rec->active = 0;
	f->rip = (u64)(uintptr_t)rt_resume;
	f->cs = SEL_KERNEL_CS;
	f->rflags = 0x2; /* rt_resume restores the saved RFLAGS */
	f->rsp = rec->rsp;
	f->ss = SEL_KERNEL_DS;
	f->rax = result;
}

static __noreturn void trap_panic(struct trap_frame *f, int index)
{
	gprintf_panic("%s: PANIC vcpu %d unexpected exception %lu error 0x%lx "
		      "rip 0x%lx cs 0x%lx rflags 0x%lx rsp 0x%lx cr2 0x%lx\n",
		      guest_name, index, f->vector, f->error, f->rip, f->cs,
		      f->rflags, f->rsp, read_cr2());
	cpu_finish();
}

void rt_trap(struct trap_frame *f)
{
	int index = rt_index_from_sp((u64)(uintptr_t)f);
	u64 vec = f->vector;

	if (index < 0)
		trap_panic(f, index);
	struct rt_vcpu *v = &rt_vcpus[index];

	if (vec == VEC_NMI) {
		__atomic_store_n(&v->nmi_rip, f->rip, __ATOMIC_RELAXED);
		__atomic_store_n(&v->nmis, v->nmis + 1, __ATOMIC_RELEASE);
		irq_handler_fn fn = __atomic_load_n(&nmi_handler, __ATOMIC_ACQUIRE);

		if (fn)
			fn(VEC_NMI);
		return;
	}
	if (vec == RT_USER_RETURN_VECTOR && (f->cs & 3) == 3 &&
	    v->rec.active) {
		v->rec.result = f->rax;
		trap_resume(f, &v->rec, (u64)-1);
		return;
	}
	if (vec < 32) {
		if (!v->rec.active)
			trap_panic(f, index);
		v->rec.fault_rip = f->rip;
		v->rec.fault_error = f->error;
		trap_resume(f, &v->rec, vec);
		return;
	}
	__atomic_store_n(&v->irqs[vec], v->irqs[vec] + 1, __ATOMIC_RELEASE);
	if (irq_handlers[vec])
		irq_handlers[vec]((unsigned)vec);
	lapic_eoi(); /* vectors >= 32 other than the user gate come from the LAPIC */
}

int try_call(void (*fn)(void *arg), void *arg)
{
	return rt_try(&rt_vcpus[this_vcpu()].rec, fn, arg);
}

int user_call(u64 (*fn)(void *arg), void *arg, u64 *ret)
{
	unsigned i = this_vcpu();
	u64 user_rsp = (u64)(uintptr_t)rt_user_stacks[i] + RT_USER_STACK_SIZE;
	int vec = rt_user(&rt_vcpus[i].rec, fn, arg, user_rsp, tss_rsp0(i));

	if (vec < 0 && ret)
		*ret = rt_vcpus[i].rec.result;
	return vec;
}

u64 trap_last_fault_rip(void)
{
	return rt_vcpus[this_vcpu()].rec.fault_rip;
}

u64 trap_last_fault_error(void)
{
	return rt_vcpus[this_vcpu()].rec.fault_error;
}

struct msr_access {
	u32 msr;
	u64 val;
};

static void msr_read_fn(void *arg)
{
	struct msr_access *a = arg;

	a->val = rdmsr(a->msr);
}

static void msr_write_fn(void *arg)
{
	struct msr_access *a = arg;

	wrmsr(a->msr, a->val);
}

int rdmsr_safe(u32 msr, u64 *val)
{
	struct msr_access a = { msr, 0 };
	int vec = try_call(msr_read_fn, &a);

	*val = a.val;
	return vec;
}

int wrmsr_safe(u32 msr, u64 val)
{
	struct msr_access a = { msr, val };

	return try_call(msr_write_fn, &a);
}

void irq_set_handler(unsigned vector, irq_handler_fn fn)
{
	if (vector < 256)
		__atomic_store_n(&irq_handlers[vector], fn, __ATOMIC_RELEASE);
}

u32 irq_count(unsigned vcpu, unsigned vector)
{
	if (vcpu >= RT_MAX_VCPUS || vector >= 256)
		return 0;
	return __atomic_load_n(&rt_vcpus[vcpu].irqs[vector], __ATOMIC_ACQUIRE);
}

void nmi_set_handler(irq_handler_fn fn)
{
	__atomic_store_n(&nmi_handler, fn, __ATOMIC_RELEASE);
}

u64 nmi_last_rip(unsigned vcpu)
{
	if (vcpu >= RT_MAX_VCPUS)
		return 0;
	return __atomic_load_n(&rt_vcpus[vcpu].nmi_rip, __ATOMIC_ACQUIRE);
}

u64 nmi_count(unsigned vcpu)
{
	if (vcpu >= RT_MAX_VCPUS)
		return 0;
	return __atomic_load_n(&rt_vcpus[vcpu].nmis, __ATOMIC_ACQUIRE);
}
