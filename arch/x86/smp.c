#include "arch/x86/smp.h"
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/paging.h"
#include "arch/x86/timer.h"
#include "boot/layout.h"
#include "kernel/console.h"
#include "kernel/page_alloc.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "lib/string.h"
#include "kernel/time.h"
#include "arch/x86/guest_state.h"
#include "arch/x86/virt.h"

#define IST_STACK_SIZE (8 * 1024)
#define CPU_STACK_SIZE (16 * 1024)
#define AP_ARRIVAL_TIMEOUT_US 1000000 /* generous: emulated CPUs are slow */
#define XCALL_TIMEOUT_US 2000000

/* Mirrors trampoline_params in boot/trampoline.S. */
struct trampoline_params {
	u16 gdt_limit;
	u32 gdt_base;
	u16 pad0;
	u32 far_offset;
	u16 far_selector;
	u16 pad1;
	u32 cr3;
	u32 efer;
	u64 stack;
	u64 arg;
	u64 entry;
	u64 gdt[3];
} __packed;
_Static_assert(offsetof(struct trampoline_params, far_offset) == 8, "layout");
_Static_assert(offsetof(struct trampoline_params, stack) == 24, "layout");
_Static_assert(offsetof(struct trampoline_params, gdt) == 48, "layout");

extern const u8 trampoline_start[], trampoline_params[], trampoline_end[];
extern const u8 trampoline_long_mode[];
extern u8 boot_stack_guard[];

/* The boot CPU's IST stacks: it needs them before the allocator exists.
 * The first page of each becomes its guard. */
static u8 boot_ist_stacks[IST_COUNT][PAGE_SIZE + IST_STACK_SIZE] __aligned(4096);

static void xcall_handle(struct regs *r)
{
	struct xcall_slot *slot = &this_cpu()->xcall;
	void *arg;
	xcall_fn fn = xcall_claim(slot, &arg);

	(void)r;
	if (!fn)
		return; /* withdrawn, or run at an earlier IPI */
	fn(arg);
	xcall_complete(slot);
}

static void cpu_setup_local(struct percpu *pc, const u64 ist_tops[IST_COUNT])
{
	percpu_install(pc);
	desc_load_cpu(&pc->desc, ist_tops);
	lapic_init_cpu();
	guest_state_cpu_init();
}

void smp_init_boot_cpu(void)
{
	struct percpu *pc = &percpu_area[0];
	u64 ist_tops[IST_COUNT];

	for (int i = 0; i < IST_COUNT; i++)
		ist_tops[i] = (u64)(uintptr_t)boot_ist_stacks[i] +
			      sizeof(boot_ist_stacks[i]);
	idt_init();
	irq_register(VEC_XCALL, xcall_handle);
	lapic_choose_mode();
	pc->index = 0;
	percpu_install(pc);
	desc_load_cpu(&pc->desc, ist_tops);
	lapic_init_cpu();
	guest_state_cpu_init();
	pc->apic_id = lapic_id();
}

void smp_guard_boot_stacks(void)
{
	struct percpu *pc = &percpu_area[0];

	pc->stack_guard[0] = (u64)(uintptr_t)boot_stack_guard;
	for (int i = 0; i < IST_COUNT; i++)
		pc->stack_guard[1 + i] = (u64)(uintptr_t)boot_ist_stacks[i];
	for (int i = 0; i < STACK_GUARD_SLOTS; i++)
		if (!paging_unmap_page(pc->stack_guard[i], page_alloc_one))
			panic("out of memory for the boot CPU's stack guards");
}

void smp_start_local_timer(void)
{
	timer_start_tick();
	this_cpu()->online = true;
}

/* What every AP runs once it is online (smp_boot_aps' @ap_main). */
static void (*ap_main)(void);

static __noreturn void ap_entry(struct percpu *pc)
{
	u64 ist_tops[IST_COUNT];

	for (int i = 0; i < IST_COUNT; i++)
		ist_tops[i] = pc->desc.tss.ist[i];
	const char *why;

	cpu_setup_local(pc, ist_tops);
	timer_start_tick();
	if (vcpu_ops)
		pc->virt_ready = virt_cpu_enable(&why);
	__atomic_store_n(&pc->online, true, __ATOMIC_RELEASE);
	if (vcpu_ops && !pc->virt_ready)
		pr_err("holdfast: error: CPU %u: %s; it runs no vCPUs", pc->index, why);
	irq_enable();
	ap_main();
	panic("CPU %u: its main loop returned", pc->index);
}

/* Allocate an AP's stacks (with guard pages) before any AP runs, so the
 * page-table splits behind the guards happen while no other CPU walks them. */
static bool ap_prepare(struct percpu *pc, u32 index, u32 apic_id)
{
	pc->index = index;
	pc->apic_id = apic_id;
	pc->stack_top = stack_alloc(CPU_STACK_SIZE, &pc->stack_guard[0]);
	if (!pc->stack_top)
		return false;
	for (int i = 0; i < IST_COUNT; i++) {
		pc->desc.tss.ist[i] =
			stack_alloc(IST_STACK_SIZE, &pc->stack_guard[1 + i]);
		if (!pc->desc.tss.ist[i])
			return false;
	}
	return true;
}

static struct trampoline_params *trampoline_install(u64 page)
{
	struct trampoline_params *p;
	u64 off = (u64)(trampoline_params - trampoline_start);

	memcpy((void *)(uintptr_t)page, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	p = (void *)(uintptr_t)(page + off);
	p->gdt[0] = 0;
	p->gdt[1] = GDT_CODE64_DESC;
	p->gdt[2] = GDT_DATA_DESC;
	p->gdt_limit = sizeof(p->gdt) - 1;
	p->gdt_base = (u32)(page + off + offsetof(struct trampoline_params, gdt));
	p->far_offset = (u32)(page + (u64)(trampoline_long_mode - trampoline_start));
	p->far_selector = GDT_CODE64;
	p->cr3 = (u32)read_cr3();
	p->efer = (u32)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	p->entry = (u64)(uintptr_t)ap_entry;
	return p;
}

static bool wait_online(struct percpu *pc, u64 us)
{
	u64 end = time_since_boot_ns() + us * 1000;

	while (time_since_boot_ns() < end) {
		if (__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE))
			return true;
		cpu_relax();
	}
	return false;
}

/* INIT, then two STARTUPs (Intel SDM vol. 3, "MP initialization"). */
static bool ap_start(struct percpu *pc, struct trampoline_params *p, u64 page)
{
	p->stack = pc->stack_top;
	p->arg = (u64)(uintptr_t)pc;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lapic_send_init(pc->apic_id);
	time_delay_us(10000);
	lapic_send_startup(pc->apic_id, (u8)(page >> 12));
	if (wait_online(pc, 200))
		return true;
	lapic_send_startup(pc->apic_id, (u8)(page >> 12));
	if (wait_online(pc, AP_ARRIVAL_TIMEOUT_US))
		return true;
	/* Park it, so a late arrival cannot run on a reused trampoline. */
	lapic_send_init(pc->apic_id);
	return false;
}

u32 smp_boot_aps(const struct acpi_info *ai, u64 tramp_phys, u32 max,
		 void (*main_loop)(void))
{
	u32 bsp = this_cpu()->apic_id;
	u32 count = 1, prepared = 1;
	struct trampoline_params *p = trampoline_install(tramp_phys);

	if (!max || max > MAX_CPUS)
		max = MAX_CPUS;
	cpus_online = 1;
	ap_main = main_loop;
	for (u32 i = 0; i < ai->cpu_count && prepared < max; i++) {
		const struct acpi_cpu *c = &ai->cpus[i];

		if (!c->enabled || c->apic_id == bsp)
			continue;
		if (!ap_prepare(&percpu_area[prepared], prepared, c->apic_id)) {
			pr_err("holdfast: error: out of memory for CPU stacks; starting %u CPUs",
			       prepared);
			break;
		}
		prepared++;
	}
	for (u32 i = 1; i < prepared; i++) {
		struct percpu *pc = &percpu_area[i];

		if (!ap_start(pc, p, tramp_phys)) {
			pr_err("holdfast: error: CPU with APIC ID %u did not start; skipped",
			       pc->apic_id);
			continue;
		}
		count++;
	}
	cpus_online = count;
	return count;
}

static bool xcall_wait(struct xcall_slot *slot, u64 us)
{
	u64 end = time_since_boot_ns() + us * 1000ull;

	while (!xcall_is_done(slot)) {
		if (time_since_boot_ns() >= end)
			return false;
		cpu_relax();
	}
	return true;
}

/*
 * Run fn(arg) on @cpu and wait for it. A target that does not answer in
 * time gets the call withdrawn, unless it has claimed it already: then it
 * is running (arg may be in this frame), and we wait for it to finish.
 */
bool smp_call(u32 cpu, void (*fn)(void *), void *arg)
{
	struct percpu *pc;
	bool done;

	if (cpu >= MAX_CPUS || !percpu_area[cpu].online)
		return false;
	pc = &percpu_area[cpu];
	if (pc == this_cpu()) {
		fn(arg);
		return true;
	}
	spin_lock(&pc->xcall_lock);
	xcall_post(&pc->xcall, fn, arg);
	lapic_send_ipi(pc->apic_id, VEC_XCALL);
	done = xcall_wait(&pc->xcall, XCALL_TIMEOUT_US);
	if (!done && !xcall_withdraw(&pc->xcall)) {
		while (!xcall_is_done(&pc->xcall))
			cpu_relax();
		done = true;
	}
	spin_unlock(&pc->xcall_lock);
	return done;
}

void smp_stop_other_cpus(void)
{
	struct percpu *self = this_cpu();

	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct percpu *pc = &percpu_area[i];

		if (pc != self && pc->online)
			lapic_send_nmi(pc->apic_id);
	}
}
