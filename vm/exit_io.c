/* Port I/O exits: dispatched to device models; unclaimed ports read all
 * ones and ignore writes. String I/O (INS/OUTS) is not emulated. */
#include "vm/exit.h"
#include "vdev/devmodel.h"
#include "vm/vm.h"

void exit_handle_io(struct vcpu *v, const struct vm_exit *exit)
{
	const struct port_handler *h = devmodel_find_port(exit->io.port);
	u8 size = exit->io.size;
	u32 mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	if (exit->io.string) {
		vm_stop(v->vm, "hypervisor-detected violation: string I/O (%s) on port %x by vcpu %u is not emulated",
			exit->io.in ? "INS" : "OUTS", exit->io.port, v->index);
		return;
	}
	if (exit->io.in) {
		u32 val = h && h->read ? h->read(v, exit->io.port, size) : 0xffffffffu;

		/* IN to EAX zero-extends; AL and AX keep the rest of RAX. */
		if (size == 4)
			v->gpr[GPR_RAX] = val;
		else
			v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] & ~(u64)mask) | (val & mask);
	} else if (h && h->write) {
		h->write(v, exit->io.port, size, (u32)v->gpr[GPR_RAX] & mask);
	}
	exit_skip_insn(v, exit);
}
