/* Reading and decoding the instruction at a vCPU's RIP. */
#include "vm/exit.h"
#include "kernel/console.h"
#include "vm/vm.h"
#include "arch/x86/guest_walk.h"

#define CR0_PE_BIT (1ull << 0)
#define EFER_LMA_BIT (1ull << 10)

static bool read_gpa_cb(void *ctx, u64 gpa, void *buf, u32 len)
{
	return vm_read_gpa(ctx, gpa, buf, len);
}

static enum cpu_mode vcpu_cpu_mode(struct vcpu *v, const struct segment *cs)
{
	if (!(vcpu_get_reg(v, VREG_CR0) & CR0_PE_BIT))
		return CPU_MODE_REAL;
	if ((vcpu_get_reg(v, VREG_EFER) & EFER_LMA_BIT) && (cs->attrib & SEG_ATTR_L))
		return CPU_MODE_LONG64;
	return cs->attrib & SEG_ATTR_DB ? CPU_MODE_PROT32 : CPU_MODE_PROT16;
}

/* Fetch and decode; @bytes/@got report what was read, for messages. */
static enum insn_status vcpu_fetch_decode(struct vcpu *v, struct insn *out,
					  u8 bytes[INSN_MAX_LEN], u32 *got)
{
	struct segment cs;
	struct guest_paging p = {
		.cr0 = vcpu_get_reg(v, VREG_CR0),
		.cr3 = vcpu_get_reg(v, VREG_CR3),
		.cr4 = vcpu_get_reg(v, VREG_CR4),
		.efer = vcpu_get_reg(v, VREG_EFER),
	};
	u64 rip = vcpu_get_reg(v, VREG_RIP);
	enum cpu_mode mode;
	u64 linear;

	vcpu_get_seg(v, VSEG_CS, &cs);
	mode = vcpu_cpu_mode(v, &cs);
	linear = mode == CPU_MODE_LONG64 ? rip : (u32)(cs.base + rip);
	*got = guest_read_virt(&p, linear, bytes, INSN_MAX_LEN, read_gpa_cb, v->vm);
	return *got ? insn_decode(bytes, *got, mode, out) : INSN_TRUNCATED;
}

bool vcpu_try_decode_insn(struct vcpu *v, struct insn *out)
{
	u8 bytes[INSN_MAX_LEN];
	u32 got;

	return vcpu_fetch_decode(v, out, bytes, &got) == INSN_OK;
}

bool vcpu_decode_insn(struct vcpu *v, struct insn *out)
{
	u8 bytes[INSN_MAX_LEN];
	u64 rip = vcpu_get_reg(v, VREG_RIP);
	u32 got;

	if (vcpu_fetch_decode(v, out, bytes, &got) == INSN_OK)
		return true;
	pr_err("holdfast: vm %s vcpu %u: cannot %s the instruction at RIP %lx (%u bytes: %02x %02x %02x %02x)",
	       v->vm->name, v->index, got ? "decode" : "read", rip, got,
	       got > 0 ? bytes[0] : 0, got > 1 ? bytes[1] : 0,
	       got > 2 ? bytes[2] : 0, got > 3 ? bytes[3] : 0);
	vcpu_dump(v);
	vm_stop(v->vm, "hypervisor-detected violation: undecodable instruction at RIP %lx on vcpu %u",
		rip, v->index);
	return false;
}
