/* The victim and spy guests' shared half: see isolation.h. */
#include "lib/string.h"
#include "tests/guests/isolation.h"
#include "tests/guests/lib/rt.h"

#define MSR_TSC_AUX 0xc0000103u
#define MSR_PAT 0x277u
#define EFER_SCE (1ull << 0)
#define POWER_ON_PAT 0x0007040600070406ull
#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
/* x87, SSE, AVX, AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM), PKRU. MPX and
 * AMX are left out: their state has rules a filler would break. */
#define ISO_XCR0_WANTED 0x2e7ull
#define XCR0_PKRU (1ull << 9)

/* A canonical address (bit 47 clear) that carries @word in bytes 2-5:
 * for registers that hold addresses. Never mapped, never touched. */
static u64 iso_addr(u32 word, unsigned i)
{
	return ((u64)word << 16) + i * 8;
}

static const struct {
	const char *name;
	u32 msr; /* 0: not an MSR */
} regs[ISO_NR_REGS] = {
	[ISO_DR0] = { "DR0", 0 }, [ISO_DR1] = { "DR1", 0 },
	[ISO_DR2] = { "DR2", 0 }, [ISO_DR3] = { "DR3", 0 },
	[ISO_DR6] = { "DR6", 0 }, [ISO_DR7] = { "DR7", 0 },
	[ISO_CR2] = { "CR2", 0 }, [ISO_CR8] = { "CR8", 0 },
	[ISO_FS_BASE] = { "FS_BASE", 0xc0000100 },
	[ISO_GS_BASE] = { "GS_BASE", 0xc0000101 },
	[ISO_KERNEL_GS_BASE] = { "KERNEL_GS_BASE", 0xc0000102 },
	[ISO_STAR] = { "STAR", 0xc0000081 },
	[ISO_LSTAR] = { "LSTAR", 0xc0000082 },
	[ISO_CSTAR] = { "CSTAR", 0xc0000083 },
	[ISO_SFMASK] = { "SFMASK", 0xc0000084 },
	[ISO_SYSENTER_CS] = { "SYSENTER_CS", 0x174 },
	[ISO_SYSENTER_ESP] = { "SYSENTER_ESP", 0x175 },
	[ISO_SYSENTER_EIP] = { "SYSENTER_EIP", 0x176 },
	[ISO_TSC_AUX] = { "TSC_AUX", MSR_TSC_AUX },
	[ISO_EFER] = { "EFER", MSR_EFER },
	[ISO_PAT] = { "PAT", MSR_PAT },
};

const char *iso_reg_name(enum iso_reg r)
{
	return regs[r].name;
}

u64 iso_reg_value(enum iso_reg r, enum iso_role role, u64 cur)
{
	bool v = role == ISO_VICTIM;
	u32 word = v ? ISO_PAT32 : ISO_SPY32;
	u64 dword = v ? ISO_PAT64 : ISO_SPY64;

	switch (r) {
	case ISO_DR0: case ISO_DR1: case ISO_DR2: case ISO_DR3:
		return iso_addr(word, r - ISO_DR0);
	case ISO_DR6: /* B0-B3, BD, BS, BT set; reserved bits as they read */
		return v ? 0xffffefffull : 0xffff0ff0ull;
	case ISO_DR7: /* victim: L0-L3, 4-byte read/write breakpoints at
		       * its DR0-DR3; spy: L0, execution at its DR0 */
		return v ? 0xffff0455ull : 0x401ull;
	case ISO_CR8:
		return v ? 0xa : 0;
	case ISO_FS_BASE: case ISO_GS_BASE: case ISO_KERNEL_GS_BASE:
	case ISO_LSTAR: case ISO_CSTAR:
	case ISO_SYSENTER_ESP: case ISO_SYSENTER_EIP:
		return iso_addr(word, r);
	case ISO_CR2: case ISO_STAR:
		return dword;
	case ISO_SFMASK: case ISO_SYSENTER_CS: case ISO_TSC_AUX:
		return word;
	case ISO_EFER: /* SCE is free: nothing here uses SYSCALL */
		return v ? cur | EFER_SCE : cur & ~EFER_SCE;
	case ISO_PAT:
		return v ? 0x0606060606060606ull : POWER_ON_PAT;
	default:
		return 0;
	}
}

struct reg_access {
	enum iso_reg r;
	u64 val;
};

#define DR_READ(n, v) asm volatile("mov %%dr" #n ", %0" : "=r"(v))
#define DR_WRITE(n, v) asm volatile("mov %0, %%dr" #n : : "r"(v))

static void reg_read_fn(void *arg)
{
	struct reg_access *a = arg;

	switch (a->r) {
	case ISO_DR0: DR_READ(0, a->val); break;
	case ISO_DR1: DR_READ(1, a->val); break;
	case ISO_DR2: DR_READ(2, a->val); break;
	case ISO_DR3: DR_READ(3, a->val); break;
	case ISO_DR6: DR_READ(6, a->val); break;
	case ISO_DR7: DR_READ(7, a->val); break;
	case ISO_CR2: asm volatile("mov %%cr2, %0" : "=r"(a->val)); break;
	case ISO_CR8: asm volatile("mov %%cr8, %0" : "=r"(a->val)); break;
	default: a->val = rdmsr(regs[a->r].msr); break;
	}
}

static void reg_write_fn(void *arg)
{
	struct reg_access *a = arg;

	switch (a->r) {
	case ISO_DR0: DR_WRITE(0, a->val); break;
	case ISO_DR1: DR_WRITE(1, a->val); break;
	case ISO_DR2: DR_WRITE(2, a->val); break;
	case ISO_DR3: DR_WRITE(3, a->val); break;
	case ISO_DR6: DR_WRITE(6, a->val); break;
	case ISO_DR7: DR_WRITE(7, a->val); break;
	case ISO_CR2: asm volatile("mov %0, %%cr2" : : "r"(a->val)); break;
	case ISO_CR8: asm volatile("mov %0, %%cr8" : : "r"(a->val)); break;
	default: wrmsr(regs[a->r].msr, a->val); break;
	}
}

int iso_reg_read(enum iso_reg r, u64 *val)
{
	struct reg_access a = { r, 0 };
	int vec = try_call(reg_read_fn, &a);

	*val = a.val;
	return vec;
}

int iso_reg_write(enum iso_reg r, u64 val)
{
	struct reg_access a = { r, val };

	return try_call(reg_write_fn, &a);
}

static u64 xcr0_all;

u64 iso_xsave_init(void)
{
	struct cpuid_regs xs;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE))
		return xcr0_all = 0;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xs = cpuid(0xd, 0);
	xcr0_all = (((u64)xs.edx << 32) | xs.eax) & ISO_XCR0_WANTED;
	return xcr0_all;
}

u64 iso_xcr0_all(void)
{
	return xcr0_all;
}

u32 iso_xsave_size(void)
{
	u32 size = ISO_XSAVE_HEADER + 64;

	if (!xcr0_all)
		return ISO_XSAVE_HEADER;
	for (unsigned i = 2; i < 64; i++) {
		struct cpuid_regs c;

		if (!(xcr0_all & (1ull << i)))
			continue;
		c = cpuid(0xd, i);
		size = MAX(size, c.ebx + c.eax);
	}
	return size;
}

u64 iso_xgetbv(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

void iso_xsetbv(u64 xcr0)
{
	asm volatile("xsetbv" : : "a"((u32)xcr0), "d"((u32)(xcr0 >> 32)), "c"(0)
		     : "memory");
}

void iso_xsave(void *area, u64 mask)
{
	if (mask)
		asm volatile("xsave64 (%0)" : : "r"(area), "a"((u32)mask),
			     "d"((u32)(mask >> 32)) : "memory");
	else
		asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void iso_xrstor(const void *area, u64 mask)
{
	if (mask)
		asm volatile("xrstor64 (%0)" : : "r"(area), "a"((u32)mask),
			     "d"((u32)(mask >> 32)) : "memory");
	else
		asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

unsigned iso_xstate_ranges(u64 mask, struct iso_range *out, unsigned max)
{
	static const char *const st[8] = { "ST0", "ST1", "ST2", "ST3",
					   "ST4", "ST5", "ST6", "ST7" };
	static const char *const comp[10] = {
		[2] = "YMM_Hi128", [5] = "opmask", [6] = "ZMM_Hi256",
		[7] = "Hi16_ZMM", [9] = "PKRU",
	};
	unsigned n = 0;

	/* The x87 registers (10 of each 16 bytes), XMM0-15: always there. */
	for (unsigned i = 0; i < 8 && n < max; i++)
		out[n++] = (struct iso_range){ st[i], 32 + 16 * i, 10 };
	if (n < max)
		out[n++] = (struct iso_range){ "XMM0-15", 160, 256 };
	for (unsigned i = 2; i < ARRAY_SIZE(comp) && n < max; i++) {
		struct cpuid_regs c;

		if (!(mask & (1ull << i)) || !comp[i])
			continue;
		c = cpuid(0xd, i);
		/* PKRU is 4 bytes of its 8-byte slot. */
		out[n++] = (struct iso_range){ comp[i], c.ebx,
					       i == 9 ? 4 : c.eax };
	}
	return n;
}

static void fill(u8 *p, u32 len, u32 word)
{
	for (u32 i = 0; i < len; i++)
		p[i] = (u8)(word >> (8 * (i % 4)));
}

void iso_xstate_build(u8 *area, u64 mask, u32 word, u16 fcw, u32 mxcsr)
{
	struct iso_range r[24];
	unsigned n = iso_xstate_ranges(mask, r, ARRAY_SIZE(r));

	memset(area, 0, ISO_XSAVE_MAX);
	*(u16 *)(area + 0) = fcw;
	area[4] = 0xff;                     /* abridged tag: all valid */
	fill(area + 8, 16, word);           /* FPU instruction, data pointer */
	*(u32 *)(area + 24) = mxcsr;
	*(u32 *)(area + 28) = 0xffff;       /* MXCSR_MASK: ignored */
	for (unsigned i = 0; i < n; i++)
		fill(area + r[i].off, r[i].len, word);
	*(u64 *)(area + ISO_XSAVE_HEADER) = mask; /* XSTATE_BV */
}

long iso_find_pattern(const void *p, u64 n)
{
	const u8 *b = p;

	for (u64 i = 0; i + 4 <= n; i++)
		if (b[i] == 0xa5 && b[i + 1] == 0x5a && b[i + 2] == 0xc3 &&
		    b[i + 3] == 0x3c)
			return (long)i;
	return -1;
}

/* void iso_gprs_run(const u64 in[16], u64 out[16], u64 spin). The spin
 * counter lives on the stack, so every GPR but RSP holds in[] throughout
 * (RAX the hypercall's result after it). */
asm(".text\n"
    ".global iso_gprs_run\n"
    "iso_gprs_run:\n"
    "	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n"
    "	push %r14\n	push %r15\n"
    "	push %rsi\n"			/* out[] */
    "	push %rdx\n"			/* the spin counter */
    "	mov 0x00(%rdi), %rax\n	mov 0x08(%rdi), %rcx\n"
    "	mov 0x10(%rdi), %rdx\n	mov 0x18(%rdi), %rbx\n"
    "	mov 0x28(%rdi), %rbp\n	mov 0x30(%rdi), %rsi\n"
    "	mov 0x40(%rdi), %r8\n	mov 0x48(%rdi), %r9\n"
    "	mov 0x50(%rdi), %r10\n	mov 0x58(%rdi), %r11\n"
    "	mov 0x60(%rdi), %r12\n	mov 0x68(%rdi), %r13\n"
    "	mov 0x70(%rdi), %r14\n	mov 0x78(%rdi), %r15\n"
    "	mov 0x38(%rdi), %rdi\n"
    "	vmmcall\n"
    "1:	decq (%rsp)\n"
    "	jnz 1b\n"
    "	push %rax\n"
    "	mov 16(%rsp), %rax\n"		/* out[] */
    "	mov %rcx, 0x08(%rax)\n	mov %rdx, 0x10(%rax)\n"
    "	mov %rbx, 0x18(%rax)\n	mov %rbp, 0x28(%rax)\n"
    "	mov %rsi, 0x30(%rax)\n	mov %rdi, 0x38(%rax)\n"
    "	mov %r8, 0x40(%rax)\n	mov %r9, 0x48(%rax)\n"
    "	mov %r10, 0x50(%rax)\n	mov %r11, 0x58(%rax)\n"
    "	mov %r12, 0x60(%rax)\n	mov %r13, 0x68(%rax)\n"
    "	mov %r14, 0x70(%rax)\n	mov %r15, 0x78(%rax)\n"
    "	movq $0, 0x20(%rax)\n"		/* RSP: not compared */
    "	pop %rcx\n"
    "	mov %rcx, 0x00(%rax)\n"
    "	add $16, %rsp\n"
    "	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n"
    "	pop %rbp\n	pop %rbx\n"
    "	ret\n");
