/* Architectural reset states of a vCPU (Intel SDM vol. 3, table 9-1;
 * AMD APM vol. 2, "Processor initialization state"). */
#include "vm/vcpu.h"
#include "lib/string.h"

#define CR0_INIT 0x60000010ull /* CD, NW, ET */
#define SEG_REAL_CODE 0x9b     /* present, code, readable, accessed */
#define SEG_REAL_DATA 0x93     /* present, data, writable, accessed */
#define CR0_LONG_MODE 0x80050033ull /* PE MP ET NE WP AM PG */
#define EFER_LONG_MODE 0x500ull     /* LME LMA */

static void vcpu_set_real_mode(struct vcpu *v, u16 cs_selector, u64 cs_base,
			       u64 rip)
{
	const struct segment cs = { cs_selector, SEG_REAL_CODE, 0xffff, cs_base };
	const struct segment data = { 0, SEG_REAL_DATA, 0xffff, 0 };
	const struct segment tr = { 0, 0x8b, 0xffff, 0 };
	const struct segment ldtr = { 0, 0x82, 0xffff, 0 };
	const struct segment table = { 0, 0, 0xffff, 0 };

	vcpu_set_seg(v, VSEG_CS, &cs);
	vcpu_set_seg(v, VSEG_DS, &data);
	vcpu_set_seg(v, VSEG_ES, &data);
	vcpu_set_seg(v, VSEG_FS, &data);
	vcpu_set_seg(v, VSEG_GS, &data);
	vcpu_set_seg(v, VSEG_SS, &data);
	vcpu_set_seg(v, VSEG_TR, &tr);
	vcpu_set_seg(v, VSEG_LDTR, &ldtr);
	vcpu_set_seg(v, VSEG_GDTR, &table);
	vcpu_set_seg(v, VSEG_IDTR, &table);
	vcpu_set_reg(v, VREG_CR0, CR0_INIT);
	vcpu_set_reg(v, VREG_CR2, 0);
	vcpu_set_reg(v, VREG_CR3, 0);
	vcpu_set_reg(v, VREG_CR4, 0);
	vcpu_set_reg(v, VREG_EFER, 0);
	vcpu_set_reg(v, VREG_PAT, 0x0007040600070406ull);
	vcpu_set_reg(v, VREG_RFLAGS, 0x2);
	vcpu_set_reg(v, VREG_RIP, rip);
	memset(v->gpr, 0, sizeof(v->gpr));
}

void vcpu_reset_paravirt(struct vcpu *v)
{
	v->exception_pending = false;
	v->nmi_pending = 0;
	v->nmi_masked = false;
	/* The backend's half of the same: an interrupt it still means to
	 * deliver, a delivery cut short, an IRET or window it waits for. */
	vcpu_reset_events(v);
	v->kvmclock_gpa = 0;
	v->steal_msr = 0;
	v->steal_record = NULL;
	v->kick_pending = 0;
	v->preempt_block = NULL;
	memset(&v->lhp_state, 0, sizeof(v->lhp_state));
	v->preempted_in_kernel = false;
	memset(&v->pause_filter, 0, sizeof(v->pause_filter));
}

void vcpu_enter_wait_for_sipi(struct vcpu *v)
{
	vcpu_set_real_mode(v, 0xf000, 0xffff0000, 0xfff0);
	vlapic_reset(&v->lapic, true);
	vcpu_reset_paravirt(v);
	v->state = VCPU_WAIT_SIPI;
}

void vcpu_start_at_sipi(struct vcpu *v, u8 vector)
{
	vcpu_set_real_mode(v, (u16)vector << 8, (u64)vector << 12, 0);
	v->state = VCPU_RUNNABLE;
}

void vcpu_enter_long_mode(struct vcpu *v, const struct long_mode_entry *e)
{
	const struct segment cs = { e->code_sel, 0xa9b, 0xffffffff, 0 }; /* L, G */
	const struct segment ds = { e->data_sel, 0xc93, 0xffffffff, 0 }; /* DB, G */
	const struct segment tr = { 0, 0x8b, 0x67, 0 }; /* busy 64-bit TSS */
	const struct segment ldtr = { 0, 0x82, 0, 0 };
	const struct segment gdtr = { 0, 0, e->gdt_limit, e->gdt_base };
	const struct segment idtr = { 0, 0, 0, 0 };

	vcpu_set_seg(v, VSEG_CS, &cs);
	vcpu_set_seg(v, VSEG_DS, &ds);
	vcpu_set_seg(v, VSEG_ES, &ds);
	vcpu_set_seg(v, VSEG_FS, &ds);
	vcpu_set_seg(v, VSEG_GS, &ds);
	vcpu_set_seg(v, VSEG_SS, &ds);
	vcpu_set_seg(v, VSEG_TR, &tr);
	vcpu_set_seg(v, VSEG_LDTR, &ldtr);
	vcpu_set_seg(v, VSEG_GDTR, &gdtr);
	vcpu_set_seg(v, VSEG_IDTR, &idtr);
	vcpu_set_reg(v, VREG_CR0, CR0_LONG_MODE);
	vcpu_set_reg(v, VREG_CR4, e->cr4);
	vcpu_set_reg(v, VREG_EFER, EFER_LONG_MODE);
	vcpu_set_reg(v, VREG_CR3, e->cr3);
	vcpu_set_reg(v, VREG_RFLAGS, 0x2); /* interrupts off */
	vcpu_set_reg(v, VREG_RIP, e->rip);
	memset(v->gpr, 0, sizeof(v->gpr));
	v->state = VCPU_RUNNABLE;
}
