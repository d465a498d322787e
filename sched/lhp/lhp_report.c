/* The lock-holder-preemption report: `holdfast: vm NAME lhp key=value ...`
 * for the VM (totals) and one line per vCPU. Keys are documented in
 * README.md ("Lock-holder preemption"). */
#include "vm/vm.h"
#include "kernel/console.h"
#include "lib/format.h"

static void lhp_mode_name(u32 lhp, char *out, size_t size)
{
	static const char *const names[] = { "delay", "safepoint", "spin",
					     "kvmpv" };
	int n = 0;

	out[0] = '\0';
	for (u32 i = 0; i < 4; i++)
		if (lhp & (1u << i))
			n += format(out + n, size - n, "%s%s", n ? "+" : "",
				    names[i]);
	if (!n)
		format(out, size, "none");
}

static void lhp_line(const char *prefix, u32 lhp,
		     const struct vcpu_lhp_counters *c, u64 pause_exits)
{
	char mode[40];

	lhp_mode_name(lhp, mode, sizeof(mode));
	pr_info("%s lhp mode=%s lhp_preemptions=%lu extensions=%lu voluntary_yields=%lu forced=%lu safepoint_deferrals=%lu safepoint_overruns=%lu pause_exits=%lu spins=%lu spin_yields=%lu parks=%lu kicks=%lu kicked=%lu pv_yields=%lu directed_yields=%lu preempted_marks=%lu",
		prefix, mode, c->lhp_preemptions, c->extensions,
		c->voluntary_yields, c->forced, c->safepoint_deferrals,
		c->safepoint_overruns, pause_exits, c->spins,
		c->spin_yields, c->parks, c->kicks, c->kicked, c->pv_yields,
		c->directed_yields, c->preempted_marks);
}

/* The counters are all u64: the VM's totals add them as an array. */
_Static_assert(sizeof(struct vcpu_lhp_counters) % sizeof(u64) == 0,
	       "vcpu_lhp_counters holds u64 counters only");
#define LHP_COUNTERS (sizeof(struct vcpu_lhp_counters) / sizeof(u64))

static void add_counters(struct vcpu_lhp_counters *sum,
			 const struct vcpu_lhp_counters *c)
{
	u64 *to = (u64 *)sum;
	const u64 *from = (const u64 *)c;

	for (size_t i = 0; i < LHP_COUNTERS; i++)
		to[i] += from[i];
}

void vm_print_lhp(struct vm *vm)
{
	struct vcpu_lhp_counters sum = { 0 };
	u64 pauses = 0;
	char prefix[64];

	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];

		add_counters(&sum, &v->lhp);
		pauses += v->exits[EXIT_PAUSE];
	}
	format(prefix, sizeof(prefix), "holdfast: vm %s", vm->name);
	lhp_line(prefix, vm->cfg->lhp, &sum, pauses);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];

		format(prefix, sizeof(prefix), "holdfast: vm %s vcpu %u", vm->name, i);
		lhp_line(prefix, vm->cfg->lhp, &v->lhp, v->exits[EXIT_PAUSE]);
	}
}
