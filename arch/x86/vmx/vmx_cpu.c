/*
 * VT-x on each CPU: detection, the firmware's IA32_FEATURE_CONTROL, the
 * capability MSRs turned into the controls every VMCS uses, the MSR and
 * I/O bitmaps, and VMXON. Requires EPT with 2 MiB pages and write-back
 * tables, and unrestricted guest (APs start in real mode); VPID,
 * pause-loop exiting, RDTSCP, INVPCID and XSAVES are used when offered.
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_internal.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "arch/x86/cpu.h"
#include "kernel/console.h"
#include "kernel/page_alloc.h"
#include "kernel/percpu.h"
#include "lib/string.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CR4_VMXE (1ull << 13)
#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define MSR_BITMAP_WRITE_OFFSET 2048
#define MSR_BITMAP_HIGH_OFFSET 1024
#define IO_BITMAP_PAGES 2

struct vmx_caps vmx_caps;
static u64 vmxon_pa[MAX_CPUS];

/* MSRs the guest reads and writes directly, as under AMD-V: SYSENTER_*
 * and FS/GS base are guest-state fields of the VMCS; STAR..SFMASK and
 * KERNEL_GS_BASE are switched by the VMCS's MSR load/store area; TSC_AUX
 * is switched with the vCPU by arch/x86/guest_state.c. */
static const u32 msr_passthrough[] = {
	0x174, 0x175, 0x176,
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	0xc0000100, 0xc0000101, 0xc0000102,
	0xc0000103,
};

bool vmx_detect(void)
{
	return cpuid(1).ecx & CPUID1_ECX_VMX;
}

static void msr_bitmap_allow(u8 *bitmap, u32 msr)
{
	u32 base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = MSR_BITMAP_HIGH_OFFSET;
	else
		return; /* outside the bitmap: always exits */
	u32 bit = msr & 0x1fff;

	bitmap[base + bit / 8] &= ~(1u << (bit % 8));
	bitmap[MSR_BITMAP_WRITE_OFFSET + base + bit / 8] &= ~(1u << (bit % 8));
}

static bool vmx_tables_init(void)
{
	struct vmx_caps *c = &vmx_caps;

	c->msr_bitmap_pa = page_alloc_one();
	c->io_bitmap_pa = page_alloc(IO_BITMAP_PAGES);
	if (!c->msr_bitmap_pa || !c->io_bitmap_pa)
		return false;
	/* Every port and every other MSR exits. */
	memset((void *)(uintptr_t)c->io_bitmap_pa, 0xff, IO_BITMAP_PAGES * PAGE_SIZE);
	memset((void *)(uintptr_t)c->msr_bitmap_pa, 0xff, PAGE_SIZE);
	for (u32 i = 0; i < ARRAY_SIZE(msr_passthrough); i++)
		msr_bitmap_allow((u8 *)(uintptr_t)c->msr_bitmap_pa, msr_passthrough[i]);
	return true;
}

/*
 * A control MSR's low half holds the bits that must be 1, its high half
 * the bits that may be 1. @required bits must be available, @optional
 * ones are taken when they are; bits that must be 1 are always set.
 * Returns false when a required bit is missing or a bit in @forbidden
 * cannot be cleared.
 */
static bool vmx_adjust(u32 msr, u32 required, u32 optional, u32 forbidden,
		       u32 *out)
{
	u64 v = rdmsr(msr);
	u32 must = (u32)v, may = (u32)(v >> 32);

	*out = ((required | optional) & may) | must;
	return (required & ~may) == 0 && (must & forbidden) == 0;
}

static bool vmx_choose_controls(const char **why)
{
	struct vmx_caps *c = &vmx_caps;
	bool true_ctls = rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	u32 pin_msr = true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS;
	u32 cpu_msr = true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS;
	u32 exit_msr = true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS;
	u32 entry_msr = true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS;

	if (!vmx_adjust(pin_msr, PIN_EXTINT_EXITING | PIN_NMI_EXITING |
			PIN_VIRTUAL_NMIS, PIN_PREEMPTION_TIMER, 0, &c->pin)) {
		*why = "VT-x lacks external-interrupt exiting, NMI exiting or virtual NMIs";
		return false;
	}
	/* With EPT, CR3 accesses and INVLPG need not exit; RDTSC, RDPMC
	 * and debug-register accesses run natively as under AMD-V (the
	 * debug registers are switched with the vCPU). CR8 exits: without a
	 * TPR shadow it is the physical LAPIC's TPR, which a guest could
	 * raise to mask the host's interrupts and which the next vCPU on the
	 * CPU would read; vmx_emulate.c keeps a CR8 per vCPU instead, as
	 * AMD-V's V_TPR does. */
	if (!vmx_adjust(cpu_msr, CPU_HLT_EXITING | CPU_MWAIT_EXITING |
			CPU_MONITOR_EXITING | CPU_USE_IO_BITMAPS |
			CPU_USE_MSR_BITMAPS | CPU_SECONDARY |
			CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING, 0,
			CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING |
			CPU_INVLPG_EXITING | CPU_MOV_DR_EXITING |
			CPU_RDTSC_EXITING | CPU_RDPMC_EXITING |
			CPU_UNCOND_IO_EXITING, &c->cpu)) {
		*why = "VT-x lacks HLT/MWAIT/MONITOR/CR8 exiting, I/O or MSR bitmaps, or cannot turn off CR3/INVLPG/RDTSC exiting";
		return false;
	}
	if (!vmx_adjust(MSR_VMX_PROCBASED_CTLS2, CPU2_EPT | CPU2_UNRESTRICTED,
			CPU2_VPID | CPU2_RDTSCP | CPU2_INVPCID | CPU2_XSAVES |
			CPU2_PAUSE_LOOP_EXITING, 0, &c->cpu2)) {
		*why = "VT-x lacks EPT or unrestricted guest (needed to start APs in real mode)";
		return false;
	}
	/* No "acknowledge interrupt on exit": a host interrupt stays pending
	 * in the LAPIC and is taken when the host enables interrupts. DR7
	 * (and DEBUGCTL) are the guest's VMCS fields, saved at each exit and
	 * loaded at each entry: an exit sets DR7 to 0x400 whatever, so
	 * without them the guest's breakpoints would vanish at its next exit
	 * (the true controls may leave both off). */
	if (!vmx_adjust(exit_msr, EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
			EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG, 0,
			EXIT_ACK_INTR, &c->exit) ||
	    !vmx_adjust(entry_msr, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT |
			ENTRY_LOAD_DEBUG, 0, ENTRY_IA32E_GUEST, &c->entry)) {
		*why = "VT-x cannot load and save EFER, PAT and DR7 on entry and exit";
		return false;
	}
	return true;
}

static bool vmx_choose_ept_vpid(const char **why)
{
	struct vmx_caps *c = &vmx_caps;
	u64 cap = rdmsr(MSR_VMX_EPT_VPID_CAP);

	c->ept_vpid = cap;
	if (!(cap & EPT_CAP_WALK4) || !(cap & EPT_CAP_WB) || !(cap & EPT_CAP_2M)) {
		*why = "EPT lacks 4-level tables, write-back tables or 2 MiB pages";
		return false;
	}
	c->invept_type = !(cap & EPT_CAP_INVEPT) ? 0 :
			 (cap & EPT_CAP_INVEPT_SINGLE) ? 1 :
			 (cap & EPT_CAP_INVEPT_ALL) ? 2 : 0;
	c->invvpid_type = !(cap & VPID_CAP_INVVPID) ? 0 :
			  (cap & VPID_CAP_INVVPID_SINGLE) ? 1 :
			  (cap & VPID_CAP_INVVPID_ALL) ? 2 : 0;
	/* Without INVVPID a VPID's stale translations could not be
	 * dropped when a vCPU moves: go without VPIDs then. */
	if (!c->invvpid_type)
		c->cpu2 &= ~CPU2_VPID;
	return true;
}

static void vmx_choose_cr_masks(void)
{
	struct vmx_caps *c = &vmx_caps;

	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	/* Unrestricted guest: PE and PG may be 0 (real mode, APs). */
	c->cr0_fixed0 &= ~(CR0_PE | CR0_PG);
	/* Bits VMX forces either way are owned by the host: the guest reads
	 * its own value from the shadow, and a write that changes one of
	 * them exits (emulated in vmx_emulate.c). */
	c->cr0_mask = (c->cr0_fixed0 | ~c->cr0_fixed1) & 0xffffffffull;
	c->cr4_mask = c->cr4_fixed0 | ~c->cr4_fixed1;
}

bool vmx_init(const char **why)
{
	struct vmx_caps *c = &vmx_caps;
	u64 basic = rdmsr(MSR_VMX_BASIC);

	c->revision = (u32)basic & 0x7fffffff;
	if (!vmx_choose_controls(why) || !vmx_choose_ept_vpid(why))
		return false;
	c->timer_shift = (u32)rdmsr(MSR_VMX_MISC) & VMX_MISC_TIMER_SHIFT;
	vmx_choose_cr_masks();
	if (!vmx_tables_init()) {
		*why = "out of memory for the VT-x MSR and I/O bitmaps";
		return false;
	}
	pr_info("holdfast: VT-x: VMCS revision %u, EPT, unrestricted guest, VPID %s, pause-loop exiting %s, preemption timer %s, true controls %s",
		c->revision, c->cpu2 & CPU2_VPID ? "yes" : "no",
		c->cpu2 & CPU2_PAUSE_LOOP_EXITING ? "yes" : "no",
		c->pin & PIN_PREEMPTION_TIMER ? "yes" : "no",
		basic & VMX_BASIC_TRUE_CTLS ? "yes" : "no");
	return true;
}

static bool vmx_feature_control_ok(const char **why)
{
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCK) {
		if (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
			return true;
		*why = "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL is locked with VMX off): enable Intel Virtualization Technology in the firmware setup";
		return false;
	}
	/* Unlocked (left to the OS): enable VMX and lock it. */
	wrmsr(MSR_FEATURE_CONTROL,
	      fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK);
	return true;
}

bool vmx_cpu_enable(const char **why)
{
	u32 cpu = this_cpu()->index;
	const struct vmx_caps *c = &vmx_caps;

	if (!vmx_detect()) {
		*why = "this CPU has no VT-x";
		return false;
	}
	if (!vmx_feature_control_ok(why))
		return false;
	if (!vmxon_pa[cpu]) {
		vmxon_pa[cpu] = page_alloc_one();
		if (!vmxon_pa[cpu]) {
			*why = "out of memory for the VMXON region";
			return false;
		}
		*(u32 *)(uintptr_t)vmxon_pa[cpu] = c->revision;
	}
	/* VMX operation needs the fixed CR0/CR4 bits (NE, VMXE) on the
	 * host too; unrestricted guest relaxes only the guest's. */
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) &
		  rdmsr(MSR_VMX_CR4_FIXED1));
	if (!vmxon(vmxon_pa[cpu])) {
		*why = "VMXON failed";
		return false;
	}
	return true;
}
