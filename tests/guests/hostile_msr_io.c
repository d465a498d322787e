/* MSRs and I/O ports: the ones that control virtualization, the platform
 * and the host, then pseudo-random ones. Unlisted MSRs must #GP; unclaimed
 * ports read all ones and ignore writes; nothing may reach the hardware. */
#include "tests/guests/hostile.h"

#define MSR_TSC 0x10u
#define MSR_APIC_BASE 0x1bu
#define MSR_VM_CR 0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define RANDOM_MSRS 200
#define IO_PORTS 2000

static void msr_write(struct probe_stats *st, u32 msr, u64 val)
{
	probe_count(st, wrmsr_safe(msr, val));
}

/* Read @msr; on success write back what was read. */
static int msr_read_restore(struct probe_stats *st, u32 msr, u64 *val)
{
	int vec = probe_count(st, rdmsr_safe(msr, val));

	if (vec < 0)
		msr_write(st, msr, *val);
	return vec;
}

void hostile_msr(void)
{
	struct probe_stats st = { .name = "msr" };
	u64 v, rng = 0x6d7372ull;

	if (msr_read_restore(&st, MSR_EFER, &v) < 0) {
		msr_write(&st, MSR_EFER, v & ~EFER_SVME);
		msr_write(&st, MSR_EFER, v | EFER_SVME); /* nested AMD-V */
		msr_write(&st, MSR_EFER, v);
	}
	msr_read_restore(&st, MSR_VM_CR, &v);
	msr_write(&st, MSR_VM_CR, 0x18);	/* SVMDIS | LOCK */
	msr_write(&st, MSR_VM_CR, 0);
	msr_read_restore(&st, MSR_VM_HSAVE_PA, &v);
	msr_write(&st, MSR_VM_HSAVE_PA, 0xdeadbeef000ull);
	msr_write(&st, MSR_VM_HSAVE_PA, 0x1000);
	msr_write(&st, MSR_VM_HSAVE_PA, ~0ull);
	if (msr_read_restore(&st, MSR_APIC_BASE, &v) < 0) {
		msr_write(&st, MSR_APIC_BASE, 0xdeadbeef000ull | 0x900);
		msr_write(&st, MSR_APIC_BASE, 0);
		msr_write(&st, MSR_APIC_BASE, v);
	} else {
		msr_write(&st, MSR_APIC_BASE, 0xdeadbeef000ull | 0x900);
	}
	if (msr_read_restore(&st, MSR_TSC, &v) < 0)
		msr_write(&st, MSR_TSC, v + 1000000);
	else
		msr_write(&st, MSR_TSC, 0);

	for (unsigned i = 0; i < RANDOM_MSRS; i++) {
		u64 r = xorshift64(&rng);
		u32 msr;

		switch (r & 3) {
		case 0:
			msr = (u32)(r >> 8) & 0x1fff;
			break;
		case 1:
			msr = 0xc0000000u | ((u32)(r >> 8) & 0x1fff);
			break;
		case 2:
			msr = 0xc0010000u | ((u32)(r >> 8) & 0x1fff);
			break;
		default:
			msr = (u32)(r >> 32);
			break;
		}
		/* readable: write the same value back; else garbage */
		if (msr_read_restore(&st, msr, &v) >= 0)
			msr_write(&st, msr, xorshift64(&rng));
	}
	probe_report(&st);
}

struct io_access {
	u16 port;
	u8 size;
	bool write;
	u32 val;
};

static void io_access(void *arg)
{
	struct io_access *io = arg;

	if (io->write) {
		if (io->size == 1)
			outb(io->port, (u8)io->val);
		else if (io->size == 2)
			outw(io->port, (u16)io->val);
		else
			outl(io->port, io->val);
	} else {
		if (io->size == 1)
			io->val = inb(io->port);
		else if (io->size == 2)
			io->val = inw(io->port);
		else
			io->val = inl(io->port);
	}
}

static void io_probe_port(struct probe_stats *st, u16 port, u64 *rng)
{
	for (u8 size = 1; size <= 4; size *= 2) {
		struct io_access io = { port, size, false, 0 };

		probe_count(st, try_call(io_access, &io));
		io.write = true;
		io.val = (u32)xorshift64(rng);
		/* the console port only ever gets newlines, so the probes
		 * add empty lines rather than garbage */
		if (port <= HF_DEBUGCON_PORT && port + size > HF_DEBUGCON_PORT)
			io.val = 0x0a0a0a0a;
		probe_count(st, try_call(io_access, &io));
	}
}

void hostile_io(void)
{
	/* isa-debug-exit, COM1, PCI config, reset controls (KBC, port 92,
	 * CF9), PIC, PIT, RTC/NMI mask, POST, the console */
	static const u16 fixed[] = { 0xf4, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc,
				     0x3fd, 0xcf8, 0xcfc, 0xcfe, 0x64, 0x60,
				     0x92, 0xcf9, 0x20, 0x21, 0xa0, 0xa1,
				     0x40, 0x43, 0x61, 0x70, 0x71, 0x80,
				     0xe9, 0x0, 0xffff, 0xfffe };
	struct probe_stats st = { .name = "io" };
	u64 rng = 0x696f706f727473ull;

	for (unsigned i = 0; i < IO_PORTS; i++) {
		u16 port = i < ARRAY_SIZE(fixed) ? fixed[i]
						 : (u16)xorshift64(&rng);

		io_probe_port(&st, port, &rng);
	}
	probe_report(&st);
}
