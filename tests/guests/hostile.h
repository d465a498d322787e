/* The hostile guest's probe classes (hostile*.c). Each runs every probe
 * under try_call()/user_call(), counts probes and faults, and reports
 * "hostile: CLASS done (N probes, F faults)". */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

#include "tests/guests/lib/rt.h"

struct probe_stats {
	const char *name;
	unsigned probes, faults;
};

/* Count one probe; @vec as try_call() returns it. */
static inline int probe_count(struct probe_stats *st, int vec)
{
	st->probes++;
	if (vec >= 0)
		st->faults++;
	return vec;
}

static inline void probe_report(const struct probe_stats *st)
{
	gprintf("hostile: %s done (%u probes, %u faults)\n", st->name,
		st->probes, st->faults);
}

/* Fixed-seed xorshift64: the same probes on every run. */
static inline u64 xorshift64(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* HF_HC_KVM_SEND_IPI arguments that would aim at this vCPU (APIC ID 0)
 * lose that bit: a random INIT to itself would only stall this guest. */
static inline void hostile_spare_self(u64 nr, u64 *a0, u64 a2)
{
	if (nr == HF_HC_KVM_SEND_IPI && a2 == 0)
		*a0 &= ~1ull;
}

void hostile_memory(void);
void hostile_msr(void);
void hostile_io(void);
void hostile_hypercall(void);
void hostile_instructions(void);
void hostile_user(void);

#endif
