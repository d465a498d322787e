/* Nested page faults. Guest RAM is always mapped, so a fault is an access
 * to a guest-physical address the VM has no RAM at: MMIO. The instruction
 * is decoded (only the MOV forms guests use for MMIO); anything else stops
 * the VM with a dump. */
#include "vm/exit.h"
#include "kernel/console.h"
#include "vdev/devmodel.h"
#include "vm/vm.h"

static u64 mmio_read(struct vcpu *v, u64 gpa, u8 size)
{
	const struct mmio_handler *h = devmodel_find_mmio(gpa);

	if (h && h->read)
		return h->read(v, gpa, size);
	return ~0ull; /* unclaimed */
}

static void mmio_write(struct vcpu *v, u64 gpa, u8 size, u64 val)
{
	const struct mmio_handler *h = devmodel_find_mmio(gpa);

	if (h && h->write)
		h->write(v, gpa, size, val);
}

void exit_handle_gpa_fault(struct vcpu *v, const struct vm_exit *exit)
{
	u64 gpa = exit->gpa_fault.gpa;
	struct insn in;

	if (gpa < v->vm->memory || exit->gpa_fault.fetch) {
		pr_err("holdfast: vm %s vcpu %u: nested page fault at GPA %lx (%s%s)",
		       v->vm->name, v->index, gpa,
		       exit->gpa_fault.fetch ? "instruction fetch" : "data",
		       exit->gpa_fault.present ? ", present" : "");
		vcpu_dump(v);
		vm_stop(v->vm, "hypervisor-detected violation: %s at GPA %lx by vcpu %u",
			exit->gpa_fault.fetch ? "instruction fetch from non-RAM" :
			"fault on guest RAM", gpa, v->index);
		return;
	}
	if (!vcpu_decode_insn(v, &in))
		return;
	switch (in.kind) {
	case INSN_MOV_TO_MEM:
	case INSN_MOV_IMM_TO_MEM:
		mmio_write(v, gpa, in.mem_size, insn_store_value(&in, v->gpr));
		break;
	case INSN_MOV_FROM_MEM:
	case INSN_MOVZX_FROM_MEM:
	case INSN_MOVSX_FROM_MEM: {
		u64 mask = in.mem_size == 8 ? ~0ull : (1ull << (in.mem_size * 8)) - 1;
		u64 loaded = mmio_read(v, gpa, in.mem_size) & mask;

		v->gpr[in.reg] = insn_load_result(&in, v->gpr[in.reg], loaded);
		break;
	}
	default:
		pr_err("holdfast: vm %s vcpu %u: MMIO at GPA %lx by an instruction that is not a MOV",
		       v->vm->name, v->index, gpa);
		vcpu_dump(v);
		vm_stop(v->vm, "hypervisor-detected violation: unsupported MMIO instruction at GPA %lx on vcpu %u",
			gpa, v->index);
		return;
	}
	vcpu_set_reg(v, VREG_RIP, vcpu_get_reg(v, VREG_RIP) + in.length);
}
