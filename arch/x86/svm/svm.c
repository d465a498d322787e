/* AMD-V backend: per-CPU enablement, VMCB set-up, VMRUN, event injection.
 * Every optional SVM feature is detected by CPUID; the emulated CPU has
 * only nested paging and VGIF (no NRIP save, no flush-by-ASID). */
#include "arch/x86/svm/svm.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gpa_map.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/page_alloc.h"
#include "kernel/percpu.h"
#include "lib/string.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

#define MSR_VM_CR 0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define VM_CR_SVMDIS (1u << 4)
#define EFER_SVME (1u << 12)
#define CPUID_SVM_NRIPS (1u << 3)
#define CPUID_SVM_PAUSE_FILTER (1u << 10)
#define CPUID_SVM_PAUSE_THRESHOLD (1u << 12)
/* KVM's defaults: an exit after 3000 PAUSEs, each within 128 cycles of
 * the previous one when the threshold is offered. */
#define PAUSE_FILTER_COUNT 3000
#define PAUSE_FILTER_THRESHOLD 128
#define IOPM_PAGES 3
#define MSRPM_PAGES 2
#define TLB_FLUSH_ALL 1

struct svm_cpu {
	u64 hsave_pa;     /* VMRUN's host save area */
	u64 host_vmcb_pa; /* VMSAVE/VMLOAD of the host's FS/GS/TR/... */
	u32 asid_generation;
	u32 next_asid;
};

struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	u32 asid_generation;
	s32 last_cpu;
	s16 virq_vector; /* handed to the guest as V_IRQ at this entry, or -1 */
	s16 virq_retry;  /* that interrupt, not taken before the exit, or -1 */
	struct svm_iret_wait iret; /* the NMI window: an IRET not yet retired */
};

static struct svm_cpu svm_cpus[MAX_CPUS];
static u32 svm_features; /* CPUID 0x8000000A EDX */
static u64 iopm_pa, msrpm_pa;
static u32 max_asid;

/* MSRs the guest reads and writes directly: their state is in the VMCB and
 * is switched by VMLOAD/VMSAVE, so nothing of the host leaks. */
static const u32 msr_passthrough[] = {
	0x174, 0x175, 0x176,               /* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR..SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102, /* FS/GS/KERNEL_GS base */
	/* TSC_AUX (RDTSCP/RDPID's CPU number): the host never uses it; the
	 * scheduler switches it with the vCPU (arch/x86/guest_state.c). */
	0xc0000103,
};

static void msrpm_allow(u8 *msrpm, u32 msr)
{
	u32 base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = 0x800 * 8;
	else if (msr >= 0xc0010000 && msr < 0xc0012000)
		base = 0x1000 * 8;
	else
		return; /* outside the map: always intercepted */
	u32 bit = base + (msr & 0x1fff) * 2;

	msrpm[bit / 8] &= ~(3u << (bit % 8)); /* read and write bits */
}

static bool svm_tables_init(void)
{
	iopm_pa = page_alloc(IOPM_PAGES);
	msrpm_pa = page_alloc(MSRPM_PAGES);
	if (!iopm_pa || !msrpm_pa)
		return false;
	memset((void *)(uintptr_t)iopm_pa, 0xff, IOPM_PAGES * PAGE_SIZE);
	memset((void *)(uintptr_t)msrpm_pa, 0xff, MSRPM_PAGES * PAGE_SIZE);
	for (u32 i = 0; i < ARRAY_SIZE(msr_passthrough); i++)
		msrpm_allow((u8 *)(uintptr_t)msrpm_pa, msr_passthrough[i]);
	return true;
}

bool svm_detect(void)
{
	if (cpuid(0x80000000).eax < 0x8000000a)
		return false;
	return cpuid(0x80000001).ecx & (1u << 2);
}

static bool svm_cpu_enable(const char **why)
{
	struct svm_cpu *sc = &svm_cpus[this_cpu()->index];

	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "SVM is disabled by firmware (VM_CR.SVMDIS): enable virtualization (SVM mode) in the firmware setup";
		return false;
	}
	if (!sc->hsave_pa) {
		sc->hsave_pa = page_alloc_one();
		sc->host_vmcb_pa = page_alloc_one();
		if (!sc->hsave_pa || !sc->host_vmcb_pa) {
			*why = "out of memory for the SVM host save area";
			return false;
		}
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, sc->hsave_pa);
	return true;
}

static const struct gpa_map_format npt_format = {
	.table_bits = 0x7,       /* present, writable, user (NPT needs U) */
	.page_bits = 0x7,
	.large_bits = 0x7 | 0x80,
};

static struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->arch;
}

static bool svm_create(struct vcpu *v)
{
	struct svm_vcpu *s = kzalloc(sizeof(*s));

	if (!s)
		return false;
	s->vmcb_pa = page_alloc_one();
	if (!s->vmcb_pa) {
		kfree(s);
		return false;
	}
	s->vmcb = (struct vmcb *)(uintptr_t)s->vmcb_pa;
	s->last_cpu = -1;
	s->virq_vector = -1;
	s->virq_retry = -1;
	v->arch = s;

	struct vmcb_control *c = &s->vmcb->control;

	/* #MC belongs to the host; #AC and #DB are intercepted so a guest
	 * cannot wedge the CPU in an endless exception delivery, and #UD so
	 * that VMCALL works on AMD (it raises #UD here). */
	c->intercept_exceptions = (1u << 1) | (1u << 6) | (1u << 17) | (1u << 18);
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI |
			     SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID |
			     SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO |
			     SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL |
			     SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			     SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_MONITOR |
			     SVM_INTERCEPT_MWAIT | SVM_INTERCEPT_MWAIT_COND;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	/* Physical interrupts stay the host's whatever the guest's IF. */
	c->vintr = SVM_VINTR_MASKING;
	c->np_control = 1;
	c->n_cr3 = v->vm->map.root;

	struct vmcb_save *sv = &s->vmcb->save;

	sv->g_pat = 0x0007040600070406ull; /* the power-on PAT */
	sv->dr6 = 0xffff0ff0;
	sv->dr7 = 0x400;
	sv->efer = EFER_SVME; /* required while in guest mode */
	return true;
}

static void svm_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	if (!s)
		return;
	page_free(s->vmcb_pa, 1);
	kfree(s);
	v->arch = NULL;
}

/* A fresh ASID whenever the vCPU lands on a CPU (or the CPU's ASIDs ran
 * out): without flush-by-ASID, a new ASID generation flushes everything. */
static void svm_assign_asid(struct svm_vcpu *s, struct vmcb_control *c)
{
	u32 cpu = this_cpu()->index;
	struct svm_cpu *sc = &svm_cpus[cpu];

	c->tlb_control = 0;
	if ((s32)cpu == s->last_cpu && s->asid_generation == sc->asid_generation)
		return;
	if (sc->next_asid == 0 || sc->next_asid >= max_asid) {
		sc->asid_generation++;
		sc->next_asid = 1;
	}
	s->asid = sc->next_asid++;
	s->asid_generation = sc->asid_generation;
	s->last_cpu = (s32)cpu;
	c->guest_asid = s->asid;
	c->tlb_control = TLB_FLUSH_ALL;
}

void svm_vmrun(u64 vmcb_pa, u64 *gprs);

/* After an exit: an interrupt handed over as V_IRQ that the guest did not
 * take yet (the exit came first) is delivered again at the next entry,
 * unless exit_int_info already brings it back (svm_virq_retry). */
static void svm_settle_virq(struct svm_vcpu *s, struct vmcb_control *c)
{
	if (s->virq_vector < 0)
		return;
	s->virq_retry = svm_virq_retry(s->virq_vector, c->vintr,
				       c->exit_int_info);
	c->vintr &= ~SVM_VINTR_REQUEST_BITS;
	s->virq_vector = -1;
}

static void svm_run(struct vcpu *v, struct vm_exit *exit)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;
	u64 host_pa = svm_cpus[this_cpu()->index].host_vmcb_pa;

	svm_assign_asid(s, &vmcb->control);
	vmcb->save.rax = v->gpr[GPR_RAX];
	vmcb->save.rsp = v->gpr[GPR_RSP];

	/* GIF clear: nothing (not even an NMI) may run on a half-switched
	 * CPU; with this_cpu() unusable until the host VMLOAD. */
	asm volatile("clgi" ::: "memory");
	asm volatile("vmsave %0" ::"a"(host_pa) : "memory");
	asm volatile("vmload %0" ::"a"(s->vmcb_pa) : "memory");
	svm_vmrun(s->vmcb_pa, v->gpr);
	asm volatile("vmsave %0" ::"a"(s->vmcb_pa) : "memory");
	asm volatile("vmload %0" ::"a"(host_pa) : "memory");
	asm volatile("stgi" ::: "memory"); /* pending host interrupts run here */

	v->gpr[GPR_RAX] = vmcb->save.rax;
	v->gpr[GPR_RSP] = vmcb->save.rsp;
	vmcb->control.event_inject = 0;
	svm_settle_virq(s, &vmcb->control);
	svm_translate_exit(vmcb, exit);
	exit->nmi_unblocked = svm_iret_retired(&s->iret, vmcb);
}

static u64 *svm_reg_slot(struct vmcb_save *sv, enum vcpu_reg reg)
{
	switch (reg) {
	case VREG_RIP: return &sv->rip;
	case VREG_RFLAGS: return &sv->rflags;
	case VREG_CR0: return &sv->cr0;
	case VREG_CR2: return &sv->cr2;
	case VREG_CR3: return &sv->cr3;
	case VREG_CR4: return &sv->cr4;
	case VREG_EFER: return &sv->efer;
	case VREG_PAT: return &sv->g_pat;
	}
	return NULL;
}

static u64 svm_get_reg(struct vcpu *v, enum vcpu_reg reg)
{
	u64 val = *svm_reg_slot(&to_svm(v)->vmcb->save, reg);

	/* The guest never sees EFER.SVME: it is ours. */
	return reg == VREG_EFER ? val & ~(u64)EFER_SVME : val;
}

static void svm_set_reg(struct vcpu *v, enum vcpu_reg reg, u64 val)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	if (reg == VREG_EFER)
		val |= EFER_SVME;
	*svm_reg_slot(&vmcb->save, reg) = val;
	/* Moving RIP completes an instruction: an STI or MOV SS shadow ends
	 * with it. Left set, `sti; hlt` would keep the woken vCPU from ever
	 * taking the interrupt that woke it (each entry asks for a window,
	 * the guest halts again first). */
	if (reg == VREG_RIP)
		vmcb->control.interrupt_shadow &= ~1ull;
}

static struct vmcb_seg *svm_seg_slot(struct vmcb_save *sv, enum vcpu_seg seg)
{
	struct vmcb_seg *segs[] = { &sv->es, &sv->cs, &sv->ss, &sv->ds,
				    &sv->fs, &sv->gs, &sv->tr, &sv->ldtr,
				    &sv->gdtr, &sv->idtr };

	return segs[seg];
}

static void svm_get_seg(struct vcpu *v, enum vcpu_seg seg, struct segment *s)
{
	const struct vmcb_seg *vs = svm_seg_slot(&to_svm(v)->vmcb->save, seg);

	*s = (struct segment){ vs->selector, vs->attrib, vs->limit, vs->base };
}

static void svm_set_seg(struct vcpu *v, enum vcpu_seg seg, const struct segment *s)
{
	struct vmcb_save *sv = &to_svm(v)->vmcb->save;
	struct vmcb_seg *vs = svm_seg_slot(sv, seg);

	*vs = (struct vmcb_seg){ s->selector, s->attrib, s->limit, s->base };
	if (seg == VSEG_SS)
		sv->cpl = (s->attrib >> 5) & 3; /* CPL is SS.DPL */
}

/*
 * An external interrupt goes in as a virtual interrupt (V_IRQ with its
 * vector, TPR ignored, no VINTR intercept), which the guest takes at its
 * first instruction boundary: we inject only when it can take it. Not
 * through EVENTINJ: QEMU's VMRUN delivers an EVENTINJ interrupt at once
 * but leaves it as the CPU's pending exception, and the next request to
 * leave its execution loop (its round-robin kick, a cross-CPU kick)
 * delivers that vector a second time, whatever the guest's IF: Linux then
 * enters its timer handler again before SWAPGS and dies on a zero GS
 * base. Both ways are architectural; this one QEMU gets right.
 */
static void svm_inject_virq(struct svm_vcpu *s, u8 vector)
{
	struct vmcb_control *c = &s->vmcb->control;

	c->vintr = (c->vintr & ~SVM_VINTR_REQUEST_BITS) | SVM_VINTR_V_IRQ |
		   SVM_VINTR_IGN_TPR | (0xfull << SVM_VINTR_PRIO_SHIFT) |
		   ((u64)vector << SVM_VINTR_VECTOR_SHIFT);
	c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	s->virq_vector = vector;
}

static void svm_inject(struct vcpu *v, const struct event *e)
{
	if (e->type == EVENT_EXTINT) {
		svm_inject_virq(to_svm(v), e->vector);
		return;
	}
	u64 type = e->type == EVENT_NMI ? SVM_EVT_TYPE_NMI :
		   e->type == EVENT_EXCEPTION ? SVM_EVT_TYPE_EXCEPTION :
		   SVM_EVT_TYPE_INTR;
	u64 inj = SVM_EVT_VALID | type | e->vector;

	if (e->has_error)
		inj |= SVM_EVT_ERROR_VALID | ((u64)e->error << 32);
	to_svm(v)->vmcb->control.event_inject = inj;
}

/* The delivery the exit cut short first; then a V_IRQ not taken. */
static bool svm_interrupted_event(struct vcpu *v, struct event *e)
{
	struct svm_vcpu *s = to_svm(v);

	if (svm_int_info_event(s->vmcb->control.exit_int_info, e))
		return true;
	if (s->virq_retry < 0)
		return false;
	*e = (struct event){ EVENT_EXTINT, (u8)s->virq_retry, false, 0 };
	s->virq_retry = -1;
	return true;
}

static bool svm_in_interrupt_shadow(struct vcpu *v)
{
	return to_svm(v)->vmcb->control.interrupt_shadow & 1;
}

static void svm_want_intr_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;

	/* A virtual interrupt request with TPR ignored exits (VINTR) as soon
	 * as the guest could take it; we then inject the real one. */
	if (on) {
		c->vintr |= SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR |
			    (0xfull << SVM_VINTR_PRIO_SHIFT);
		c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
	} else {
		c->vintr &= ~(SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR |
			      (0xfull << SVM_VINTR_PRIO_SHIFT));
		c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	}
}

static void svm_want_nmi_window(struct vcpu *v, bool on)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control *c = &s->vmcb->control;

	/* The guest's NMI handler ends with IRET: the window opens once it
	 * has retired (svm_iret_retired, after each exit). */
	if (on)
		c->intercept_misc1 |= SVM_INTERCEPT_IRET;
	else
		c->intercept_misc1 &= ~SVM_INTERCEPT_IRET;
	s->iret.armed = false;
}

/* A reset CPU has no event in flight and nothing blocked: a rebooted VM
 * must not get the last run's interrupt, or wait for its IRET. */
static void svm_reset_events(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	svm_vmcb_reset_events(s->vmcb);
	s->virq_vector = -1;
	s->virq_retry = -1;
	s->iret = (struct svm_iret_wait){ 0 };
}

static int svm_guest_cpl(struct vcpu *v)
{
	return to_svm(v)->vmcb->save.cpl;
}

static void svm_dump(struct vcpu *v)
{
	const struct vmcb *vmcb = to_svm(v)->vmcb;
	const struct vmcb_save *sv = &vmcb->save;

	pr_err("  VMCB exit %lx info1 %lx info2 %lx intinfo %lx",
	       vmcb->control.exit_code, vmcb->control.exit_info1,
	       vmcb->control.exit_info2, vmcb->control.exit_int_info);
	pr_err("  CS %04x/%04x base %lx SS %04x/%04x CPL %u EFER %lx",
	       sv->cs.selector, sv->cs.attrib, sv->cs.base, sv->ss.selector,
	       sv->ss.attrib, sv->cpl, sv->efer);
}

static bool svm_init(const char **why);

/* PAUSE exits, for spin detection (sched/lhp/spin_detect.c): filtered by the
 * hardware where CPUID offers a pause filter, else every one (QEMU's AMD-V
 * has none) for the software filter there. The VMCB is plain memory: this
 * runs before the vCPU's first entry. */
static void svm_set_intercept(struct vcpu *v, enum vcpu_intercept what, bool on)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;

	if (what != VINTERCEPT_PAUSE)
		return;
	if (!on) {
		c->intercept_misc1 &= ~SVM_INTERCEPT_PAUSE;
		c->pause_filter_count = 0;
		c->pause_filter_threshold = 0;
		return;
	}
	c->intercept_misc1 |= SVM_INTERCEPT_PAUSE;
	if (svm_features & CPUID_SVM_PAUSE_FILTER)
		c->pause_filter_count = PAUSE_FILTER_COUNT;
	if (svm_features & CPUID_SVM_PAUSE_THRESHOLD)
		c->pause_filter_threshold = PAUSE_FILTER_THRESHOLD;
}

const struct vcpu_ops svm_ops = {
	.name = "AMD-V",
	.cpu_enable = svm_cpu_enable,
	.create = svm_create,
	.destroy = svm_destroy,
	.run = svm_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.get_seg = svm_get_seg,
	.set_seg = svm_set_seg,
	.inject = svm_inject,
	.interrupted_event = svm_interrupted_event,
	.in_interrupt_shadow = svm_in_interrupt_shadow,
	.want_intr_window = svm_want_intr_window,
	.want_nmi_window = svm_want_nmi_window,
	.reset_events = svm_reset_events,
	.guest_cpl = svm_guest_cpl,
	.set_intercept = svm_set_intercept,
	.dump = svm_dump,
	.gpa_format = &npt_format,
	.init = svm_init,
};

static bool svm_init(const char **why)
{
	struct cpuid_regs r = cpuid(0x8000000a);

	max_asid = r.ebx;
	svm_features = r.edx;
	if (max_asid < 2) {
		*why = "SVM reports fewer than 2 ASIDs";
		return false;
	}
	pr_info("holdfast: AMD-V: revision %u, %u ASIDs, nested paging %s, NRIP save %s, pause filter %s",
		r.eax & 0xff, max_asid, r.edx & 1 ? "yes" : "no",
		r.edx & CPUID_SVM_NRIPS ? "yes" : "no",
		r.edx & CPUID_SVM_PAUSE_FILTER ? "yes" : "no");
	if (!(r.edx & 1)) {
		*why = "the CPU has SVM but no nested paging";
		return false;
	}
	if (!svm_tables_init()) {
		*why = "out of memory for the I/O and MSR permission maps";
		return false;
	}
	return true;
}
