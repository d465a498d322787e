/* Host unit tests for arch/x86/insn.c: lengths, operands and the register
 * write rules of the MOV forms.
 *
 * Every decodable case is also decoded from each of its proper prefixes
 * (which must be INSN_TRUNCATED) and from an exactly sized heap copy, so a
 * sanitizer build catches any read past the bytes the decoder was given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/insn.h"

#define BYTES(...) .bytes = { __VA_ARGS__ }, .len = sizeof((u8[]){ __VA_ARGS__ })
#define D32 0x78, 0x56, 0x34, 0x12
#define D64 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12

struct insn_case {
	const char *name;
	enum cpu_mode mode;
	u8 bytes[20];
	u32 len;
	enum insn_kind kind;
	u8 mem_size, reg_size, reg;
	bool high;
	u64 imm;
};

/* Decode from a heap buffer of exactly @len bytes. */
static enum insn_status decode_exact(const u8 *bytes, u32 len,
				     enum cpu_mode mode, struct insn *out)
{
	u8 *copy = malloc(len ? len : 1);
	enum insn_status st;

	assert_non_null(copy);
	if (len)
		memcpy(copy, bytes, len);
	st = insn_decode(copy, len, mode, out);
	free(copy);
	return st;
}

static void check_case(const struct insn_case *c, bool mov)
{
	u8 padded[32];
	struct insn in;
	enum insn_status st;
	u32 n;

	st = decode_exact(c->bytes, c->len, c->mode, &in);
	if (st != INSN_OK)
		fail_msg("%s: status %d", c->name, st);
	if (in.length != c->len || in.kind != c->kind)
		fail_msg("%s: length %u kind %d, want %u %d", c->name,
			 in.length, in.kind, c->len, c->kind);
	if (mov && (in.mem_size != c->mem_size || in.reg_size != c->reg_size ||
		    in.reg != c->reg || in.reg_high_byte != c->high ||
		    in.imm != c->imm))
		fail_msg("%s: mem %u reg_size %u reg %u high %d imm %#llx",
			 c->name, in.mem_size, in.reg_size, in.reg,
			 in.reg_high_byte, (unsigned long long)in.imm);

	/* Bytes after the instruction must not change anything. */
	memset(padded, 0x0f, sizeof(padded));
	memcpy(padded, c->bytes, c->len);
	st = insn_decode(padded, sizeof(padded), c->mode, &in);
	if (st != INSN_OK || in.length != c->len)
		fail_msg("%s: padded: status %d length %u", c->name, st,
			 in.length);

	for (n = 0; n < c->len; n++) {
		st = decode_exact(c->bytes, n, c->mode, &in);
		if (st != INSN_TRUNCATED)
			fail_msg("%s: %u of %u bytes: status %d", c->name, n,
				 c->len, st);
	}
}

static const struct insn_case exit_cases[] = {
	{ "cpuid", CPU_MODE_LONG64, BYTES(0x0f, 0xa2), .kind = INSN_CPUID },
	{ "cpuid real", CPU_MODE_REAL, BYTES(0x0f, 0xa2), .kind = INSN_CPUID },
	{ "cs: cpuid", CPU_MODE_PROT32, BYTES(0x2e, 0x0f, 0xa2),
	  .kind = INSN_CPUID },
	{ "rex.w cpuid", CPU_MODE_LONG64, BYTES(0x48, 0x0f, 0xa2),
	  .kind = INSN_CPUID },
	{ "data16 cpuid", CPU_MODE_PROT32, BYTES(0x66, 0x0f, 0xa2),
	  .kind = INSN_CPUID },
	{ "rdmsr", CPU_MODE_LONG64, BYTES(0x0f, 0x32), .kind = INSN_RDMSR },
	{ "wrmsr", CPU_MODE_PROT16, BYTES(0x0f, 0x30), .kind = INSN_WRMSR },
	{ "hlt", CPU_MODE_REAL, BYTES(0xf4), .kind = INSN_HLT },
	{ "vmmcall", CPU_MODE_LONG64, BYTES(0x0f, 0x01, 0xd9),
	  .kind = INSN_VMMCALL },
	{ "vmcall", CPU_MODE_PROT32, BYTES(0x0f, 0x01, 0xc1),
	  .kind = INSN_VMCALL },
	{ "pause", CPU_MODE_LONG64, BYTES(0xf3, 0x90), .kind = INSN_PAUSE },
	{ "rex.w pause", CPU_MODE_LONG64, BYTES(0xf3, 0x48, 0x90),
	  .kind = INSN_PAUSE },
	{ "rdtsc", CPU_MODE_LONG64, BYTES(0x0f, 0x31), .kind = INSN_RDTSC },
	{ "rdtscp", CPU_MODE_LONG64, BYTES(0x0f, 0x01, 0xf9),
	  .kind = INSN_RDTSCP },
	{ "invd", CPU_MODE_LONG64, BYTES(0x0f, 0x08), .kind = INSN_INVD },
	{ "cs invd", CPU_MODE_LONG64, BYTES(0x2e, 0x0f, 0x08),
	  .kind = INSN_INVD },
	{ "14 prefixes + hlt = 15 bytes", CPU_MODE_LONG64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x66, 0x66, 0xf4),
	  .kind = INSN_HLT },
};

static const struct insn_case mov_cases[] = {
	/* 32/64-bit addressing */
	{ "mov %eax,0xfee00000 (SIB, no base)", CPU_MODE_LONG64,
	  BYTES(0x89, 0x04, 0x25, 0x00, 0x00, 0xe0, 0xfe),
	  INSN_MOV_TO_MEM, 4, 4, 0 },
	{ "mov rip-relative", CPU_MODE_LONG64, BYTES(0x8b, 0x05, D32),
	  INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov disp32 in prot32", CPU_MODE_PROT32, BYTES(0x8b, 0x0d, D32),
	  INSN_MOV_FROM_MEM, 4, 4, 1 },
	{ "mov %r9,rip-relative", CPU_MODE_LONG64,
	  BYTES(0x4c, 0x89, 0x0d, D32), INSN_MOV_TO_MEM, 8, 8, 9 },
	{ "mov (%rax),%edx", CPU_MODE_LONG64, BYTES(0x8b, 0x10),
	  INSN_MOV_FROM_MEM, 4, 4, 2 },
	{ "mov %dx,(%rax)", CPU_MODE_LONG64, BYTES(0x66, 0x89, 0x10),
	  INSN_MOV_TO_MEM, 2, 2, 2 },
	{ "mov %r9d,8(%rax)", CPU_MODE_LONG64, BYTES(0x44, 0x89, 0x48, 0x08),
	  INSN_MOV_TO_MEM, 4, 4, 9 },
	{ "mov 8(%rsp),%eax", CPU_MODE_LONG64, BYTES(0x8b, 0x44, 0x24, 0x08),
	  INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov (%rsp),%eax", CPU_MODE_LONG64, BYTES(0x8b, 0x04, 0x24),
	  INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov disp32(%rsp),%eax", CPU_MODE_LONG64,
	  BYTES(0x8b, 0x84, 0x24, D32), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov 0(%rbp),%eax", CPU_MODE_LONG64, BYTES(0x8b, 0x45, 0x00),
	  INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov 0(%r13),%eax (rm=5 with REX.B)", CPU_MODE_LONG64,
	  BYTES(0x41, 0x8b, 0x45, 0x00), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov (%r12),%eax (SIB with REX.B)", CPU_MODE_LONG64,
	  BYTES(0x41, 0x8b, 0x04, 0x24), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov disp32(,%r12,1),%eax (REX.X)", CPU_MODE_LONG64,
	  BYTES(0x42, 0x8b, 0x04, 0x25, D32), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov (%r13,%rcx,4) needs disp8", CPU_MODE_LONG64,
	  BYTES(0x45, 0x8b, 0x7c, 0x8d, 0x00), INSN_MOV_FROM_MEM, 4, 4, 15 },
	{ "mov disp32(%rcx,%rdx,4) base=5 mod=0", CPU_MODE_PROT32,
	  BYTES(0x8b, 0x04, 0x95, D32), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "addr32 mov disp32 in long mode", CPU_MODE_LONG64,
	  BYTES(0x67, 0x8b, 0x04, 0x25, D32), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "fs: mov", CPU_MODE_LONG64,
	  BYTES(0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0),
	  INSN_MOV_FROM_MEM, 8, 8, 0 },
	{ "xrelease mov", CPU_MODE_LONG64, BYTES(0xf3, 0x89, 0x00),
	  INSN_MOV_TO_MEM, 4, 4, 0 },

	/* byte registers */
	{ "mov %ah,(%rax)", CPU_MODE_LONG64, BYTES(0x88, 0x20),
	  INSN_MOV_TO_MEM, 1, 1, 0, true },
	{ "mov %bh,(%rax)", CPU_MODE_PROT32, BYTES(0x88, 0x38),
	  INSN_MOV_TO_MEM, 1, 1, 3, true },
	{ "mov %spl,(%rax)", CPU_MODE_LONG64, BYTES(0x40, 0x88, 0x20),
	  INSN_MOV_TO_MEM, 1, 1, 4 },
	{ "mov %r12b,(%rax)", CPU_MODE_LONG64, BYTES(0x44, 0x88, 0x20),
	  INSN_MOV_TO_MEM, 1, 1, 12 },
	{ "mov (%rax),%dh", CPU_MODE_LONG64, BYTES(0x8a, 0x30),
	  INSN_MOV_FROM_MEM, 1, 1, 2, true },
	{ "mov (%rax),%bl", CPU_MODE_LONG64, BYTES(0x8a, 0x18),
	  INSN_MOV_FROM_MEM, 1, 1, 3 },
	{ "REX before 66 is ignored: %ah", CPU_MODE_LONG64,
	  BYTES(0x40, 0x66, 0x88, 0x20), INSN_MOV_TO_MEM, 1, 1, 0, true },
	{ "REX before 66 is ignored: 16-bit", CPU_MODE_LONG64,
	  BYTES(0x48, 0x66, 0x89, 0x00), INSN_MOV_TO_MEM, 2, 2, 0 },
	{ "REX.W overrides 66", CPU_MODE_LONG64,
	  BYTES(0x66, 0x48, 0x89, 0x00), INSN_MOV_TO_MEM, 8, 8, 0 },
	{ "last REX counts", CPU_MODE_LONG64, BYTES(0x41, 0x4c, 0x89, 0x00),
	  INSN_MOV_TO_MEM, 8, 8, 8 },

	/* immediates */
	{ "movq $-1,(%rax)", CPU_MODE_LONG64,
	  BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	  INSN_MOV_IMM_TO_MEM, 8, 8, 0, .imm = ~0ull },
	{ "movq $0x12345678,(%rax)", CPU_MODE_LONG64,
	  BYTES(0x48, 0xc7, 0x00, D32), INSN_MOV_IMM_TO_MEM, 8, 8, 0,
	  .imm = 0x12345678 },
	{ "movl $imm,(%rax)", CPU_MODE_LONG64, BYTES(0xc7, 0x00, 0xef, 0xbe,
						   0xad, 0xde),
	  INSN_MOV_IMM_TO_MEM, 4, 4, 0, .imm = 0xdeadbeef },
	{ "movw $imm,(%rax)", CPU_MODE_LONG64,
	  BYTES(0x66, 0xc7, 0x00, 0x34, 0x12), INSN_MOV_IMM_TO_MEM, 2, 2, 0,
	  .imm = 0x1234 },
	{ "movb $imm,rip-relative", CPU_MODE_LONG64,
	  BYTES(0xc6, 0x05, D32, 0x80), INSN_MOV_IMM_TO_MEM, 1, 1, 0,
	  .imm = 0x80 },
	{ "movl $imm,disp32(%rax,%rcx,4)", CPU_MODE_LONG64,
	  BYTES(0xc7, 0x84, 0x88, D32, 0x01, 0x00, 0x00, 0x80),
	  INSN_MOV_IMM_TO_MEM, 4, 4, 0, .imm = 0x80000001 },
	{ "15-byte movq with prefixes", CPU_MODE_LONG64,
	  BYTES(0x26, 0x26, 0x26, 0x26, 0x48, 0xc7, 0x80, D32, D32),
	  INSN_MOV_IMM_TO_MEM, 8, 8, 0, .imm = 0x12345678 },

	/* moffs */
	{ "mov 0x...,%eax moffs64", CPU_MODE_LONG64, BYTES(0xa1, D64),
	  INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov 0x...,%rax moffs64", CPU_MODE_LONG64, BYTES(0x48, 0xa1, D64),
	  INSN_MOV_FROM_MEM, 8, 8, 0 },
	{ "addr32 mov moffs32 in long mode", CPU_MODE_LONG64,
	  BYTES(0x67, 0xa1, D32), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov %al,moffs64", CPU_MODE_LONG64, BYTES(0x41, 0xa2, D64),
	  INSN_MOV_TO_MEM, 1, 1, 0 },
	{ "mov moffs32,%eax", CPU_MODE_PROT32, BYTES(0xa1, D32),
	  INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov %al,moffs32", CPU_MODE_PROT32, BYTES(0xa2, D32),
	  INSN_MOV_TO_MEM, 1, 1, 0 },
	{ "mov %ax,moffs16", CPU_MODE_PROT32, BYTES(0x66, 0x67, 0xa3, 0x34,
						   0x12),
	  INSN_MOV_TO_MEM, 2, 2, 0 },
	{ "mov moffs16,%ax real", CPU_MODE_REAL, BYTES(0xa1, 0x34, 0x12),
	  INSN_MOV_FROM_MEM, 2, 2, 0 },
	{ "mov moffs16,%eax real", CPU_MODE_REAL,
	  BYTES(0x66, 0xa1, 0x34, 0x12), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "mov moffs16,%al real", CPU_MODE_REAL, BYTES(0xa0, 0x34, 0x12),
	  INSN_MOV_FROM_MEM, 1, 1, 0 },

	/* 16-bit addressing */
	{ "mov %ax,(%bx)", CPU_MODE_REAL, BYTES(0x89, 0x07),
	  INSN_MOV_TO_MEM, 2, 2, 0 },
	{ "mov 0x1234(%bp),%ax", CPU_MODE_REAL, BYTES(0x8b, 0x86, 0x34, 0x12),
	  INSN_MOV_FROM_MEM, 2, 2, 0 },
	{ "mov 0x1234,%ax (mod=0 rm=6)", CPU_MODE_PROT16,
	  BYTES(0x8b, 0x06, 0x34, 0x12), INSN_MOV_FROM_MEM, 2, 2, 0 },
	{ "mov 5(%bx,%si),%al", CPU_MODE_REAL, BYTES(0x8a, 0x40, 0x05),
	  INSN_MOV_FROM_MEM, 1, 1, 0 },
	{ "mov (%bx,%si),%sp: no SIB in 16-bit", CPU_MODE_REAL,
	  BYTES(0x8b, 0x20), INSN_MOV_FROM_MEM, 2, 2, 4 },
	{ "mov %eax,(%bx) real", CPU_MODE_REAL, BYTES(0x66, 0x89, 0x07),
	  INSN_MOV_TO_MEM, 4, 4, 0 },
	{ "addr16 in prot32", CPU_MODE_PROT32,
	  BYTES(0x67, 0x8b, 0x86, 0x34, 0x12), INSN_MOV_FROM_MEM, 4, 4, 0 },
	{ "addr32 in real mode", CPU_MODE_REAL,
	  BYTES(0x67, 0x8b, 0x86, D32), INSN_MOV_FROM_MEM, 2, 2, 0 },
	{ "addr32 SIB in real mode", CPU_MODE_REAL,
	  BYTES(0x67, 0x88, 0x04, 0x25, D32), INSN_MOV_TO_MEM, 1, 1, 0 },
	{ "movw $imm,0x1234 real", CPU_MODE_REAL,
	  BYTES(0xc7, 0x06, 0x34, 0x12, 0x78, 0x56), INSN_MOV_IMM_TO_MEM,
	  2, 2, 0, .imm = 0x5678 },
	{ "movl $imm,0x1234 real", CPU_MODE_REAL,
	  BYTES(0x66, 0xc7, 0x06, 0x34, 0x12, D32), INSN_MOV_IMM_TO_MEM,
	  4, 4, 0, .imm = 0x12345678 },

	/* extending loads */
	{ "movzbl 1(%rdi),%eax", CPU_MODE_LONG64,
	  BYTES(0x0f, 0xb6, 0x47, 0x01), INSN_MOVZX_FROM_MEM, 1, 4, 0 },
	{ "movzwl (%rax),%r10d", CPU_MODE_LONG64,
	  BYTES(0x44, 0x0f, 0xb7, 0x10), INSN_MOVZX_FROM_MEM, 2, 4, 10 },
	{ "movzbw (%rax),%ax", CPU_MODE_LONG64,
	  BYTES(0x66, 0x0f, 0xb6, 0x00), INSN_MOVZX_FROM_MEM, 1, 2, 0 },
	{ "movzbq (%rax),%rsi", CPU_MODE_LONG64,
	  BYTES(0x48, 0x0f, 0xb6, 0x30), INSN_MOVZX_FROM_MEM, 1, 8, 6 },
	{ "movswq (%rsi),%rcx", CPU_MODE_LONG64,
	  BYTES(0x48, 0x0f, 0xbf, 0x0e), INSN_MOVSX_FROM_MEM, 2, 8, 1 },
	{ "movsbl (%eax),%edx prot32", CPU_MODE_PROT32,
	  BYTES(0x0f, 0xbe, 0x10), INSN_MOVSX_FROM_MEM, 1, 4, 2 },
	{ "movsbw (%bx),%ax real", CPU_MODE_REAL, BYTES(0x0f, 0xbe, 0x07),
	  INSN_MOVSX_FROM_MEM, 1, 2, 0 },
	{ "movslq (%rdi),%rax", CPU_MODE_LONG64, BYTES(0x48, 0x63, 0x07),
	  INSN_MOVSX_FROM_MEM, 4, 8, 0 },
	{ "movsxd without REX.W", CPU_MODE_LONG64, BYTES(0x63, 0x07),
	  INSN_MOVSX_FROM_MEM, 4, 4, 0 },
	{ "movsxd 16-bit", CPU_MODE_LONG64, BYTES(0x66, 0x63, 0x07),
	  INSN_MOVSX_FROM_MEM, 2, 2, 0 },
};

static void test_exit_instructions(void **state)
{
	u32 i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(exit_cases); i++)
		check_case(&exit_cases[i], false);
}

static void test_mov_forms(void **state)
{
	u32 i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(mov_cases); i++)
		check_case(&mov_cases[i], true);
}

static const struct insn_case unsupported_cases[] = {
	{ "mov %eax,%eax (register form)", CPU_MODE_LONG64, BYTES(0x89, 0xc0) },
	{ "mov (%rax),%al register form", CPU_MODE_LONG64, BYTES(0x8a, 0xc0) },
	{ "movzx register form", CPU_MODE_LONG64, BYTES(0x0f, 0xb6, 0xc0) },
	{ "movl $imm,%eax register form", CPU_MODE_LONG64,
	  BYTES(0xc7, 0xc0, D32) },
	{ "ud2", CPU_MODE_LONG64, BYTES(0x0f, 0x0b) },
	{ "nop", CPU_MODE_LONG64, BYTES(0x90) },
	{ "xchg %r8d,%eax with F3", CPU_MODE_LONG64, BYTES(0xf3, 0x41, 0x90) },
	{ "int3", CPU_MODE_LONG64, BYTES(0xcc) },
	{ "vmrun", CPU_MODE_LONG64, BYTES(0x0f, 0x01, 0xd8) },
	{ "tdcall", CPU_MODE_LONG64, BYTES(0x66, 0x0f, 0x01, 0xcc) },
	{ "lgdt", CPU_MODE_LONG64, BYTES(0x0f, 0x01, 0x10) },
	{ "C7 /1", CPU_MODE_LONG64, BYTES(0xc7, 0x08, D32) },
	{ "C6 /7 (xabort)", CPU_MODE_LONG64, BYTES(0xc6, 0xf8, 0x00) },
	{ "lock mov", CPU_MODE_LONG64, BYTES(0xf0, 0x89, 0x00) },
	{ "lock cpuid", CPU_MODE_LONG64, BYTES(0xf0, 0x0f, 0xa2) },
	{ "F2 on a store", CPU_MODE_LONG64, BYTES(0xf2, 0x89, 0x00) },
	{ "F3 on a load", CPU_MODE_LONG64, BYTES(0xf3, 0x8b, 0x00) },
	{ "F3 0F B6 (mandatory prefix)", CPU_MODE_LONG64,
	  BYTES(0xf3, 0x0f, 0xb6, 0x00) },
	{ "F3 rdtscp", CPU_MODE_LONG64, BYTES(0xf3, 0x0f, 0x01, 0xf9) },
	{ "arpl outside long mode", CPU_MODE_PROT32, BYTES(0x63, 0x07) },
	{ "48 is dec in prot32", CPU_MODE_PROT32, BYTES(0x48, 0x89, 0x00) },
	{ "mov sreg", CPU_MODE_REAL, BYTES(0x8c, 0x07) },
	{ "16 prefixes", CPU_MODE_LONG64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x66, 0x66, 0x66, 0x66) },
	{ "15 prefixes + hlt", CPU_MODE_LONG64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x66, 0x66, 0x66, 0xf4) },
	{ "14 prefixes + cpuid = 16", CPU_MODE_PROT32,
	  BYTES(0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
		0x2e, 0x2e, 0x2e, 0x2e, 0x0f, 0xa2) },
	{ "16-byte movq", CPU_MODE_LONG64,
	  BYTES(0x26, 0x26, 0x26, 0x26, 0x26, 0x48, 0xc7, 0x80, D32, D32) },
	{ "bad mode", (enum cpu_mode)7, BYTES(0xf4) },
};

static void test_unsupported(void **state)
{
	struct insn in;
	enum insn_status st;
	u32 i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(unsupported_cases); i++) {
		const struct insn_case *c = &unsupported_cases[i];

		st = decode_exact(c->bytes, c->len, c->mode, &in);
		if (st != INSN_UNSUPPORTED)
			fail_msg("%s: status %d", c->name, st);
		assert_int_equal(in.length, 0);
	}
}

static void test_truncated(void **state)
{
	static const u8 c7[] = { 0x48, 0xc7, 0x80, D32, D32 };
	struct insn in;

	(void)state;
	assert_int_equal(decode_exact(NULL, 0, CPU_MODE_LONG64, &in),
			 INSN_TRUNCATED);
	/* Unsupported as soon as the bytes show it, however many follow. */
	assert_int_equal(decode_exact((const u8 *)"\x0f\x0b", 2,
				      CPU_MODE_LONG64, &in), INSN_UNSUPPORTED);
	assert_int_equal(decode_exact((const u8 *)"\x89\xc0", 2,
				      CPU_MODE_LONG64, &in), INSN_UNSUPPORTED);
	assert_int_equal(decode_exact((const u8 *)"\xc7\x08", 2,
				      CPU_MODE_LONG64, &in), INSN_UNSUPPORTED);
	assert_int_equal(decode_exact(c7, 10, CPU_MODE_LONG64, &in),
			 INSN_TRUNCATED);
	assert_int_equal(decode_exact(c7, sizeof(c7), CPU_MODE_LONG64, &in),
			 INSN_OK);
	assert_int_equal(in.length, 11);
}

static const u64 regs[16] = {
	0x1122334455667788, 0x8877665544332211, 0xa1a2a3a4a5a6a7a8,
	0xb1b2b3b4b5b6b7b8, 0xc1c2c3c4c5c6c7c8, 0, 0, 0,
	0, 0xf0e0d0c0b0a09080, 0, 0, 0x0102030405060708, 0, 0, 0,
};

static u64 store_of(enum cpu_mode mode, const u8 *bytes, u32 len)
{
	struct insn in;

	assert_int_equal(insn_decode(bytes, len, mode, &in), INSN_OK);
	return insn_store_value(&in, regs);
}

#define STORE(mode, ...) \
	store_of(mode, (const u8[]){ __VA_ARGS__ }, \
		 sizeof((u8[]){ __VA_ARGS__ }))

static void test_store_value(void **state)
{
	struct insn in;

	(void)state;
	assert_true(STORE(CPU_MODE_LONG64, 0x88, 0x20) == 0x77);     /* %ah */
	assert_true(STORE(CPU_MODE_LONG64, 0x88, 0x38) == 0xb7);     /* %bh */
	assert_true(STORE(CPU_MODE_LONG64, 0x88, 0x00) == 0x88);     /* %al */
	assert_true(STORE(CPU_MODE_LONG64, 0x40, 0x88, 0x20) == 0xc8);
	assert_true(STORE(CPU_MODE_LONG64, 0x44, 0x88, 0x20) == 0x08);
	assert_true(STORE(CPU_MODE_LONG64, 0x66, 0x89, 0x10) == 0xa7a8);
	assert_true(STORE(CPU_MODE_LONG64, 0x44, 0x89, 0x48, 0x08) ==
		    0xb0a09080);
	assert_true(STORE(CPU_MODE_LONG64, 0x4c, 0x89, 0x08) ==
		    0xf0e0d0c0b0a09080);
	assert_true(STORE(CPU_MODE_LONG64, 0x48, 0xa3, D64) ==
		    0x1122334455667788);
	assert_true(STORE(CPU_MODE_PROT32, 0xa2, D32) == 0x88);
	assert_true(STORE(CPU_MODE_LONG64, 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff,
			  0xff) == 0xfffffffffffffffe);
	assert_true(STORE(CPU_MODE_LONG64, 0xc7, 0x00, 0xfe, 0xff, 0xff,
			  0xff) == 0xfffffffe);
	assert_true(STORE(CPU_MODE_LONG64, 0x66, 0xc7, 0x00, 0x34, 0x12) ==
		    0x1234);
	assert_true(STORE(CPU_MODE_LONG64, 0xc6, 0x00, 0x9c) == 0x9c);

	/* Not a store: nothing to write. */
	assert_int_equal(insn_decode((const u8 *)"\x8b\x00", 2,
				     CPU_MODE_LONG64, &in), INSN_OK);
	assert_true(insn_store_value(&in, regs) == 0);
}

static u64 load_of(enum cpu_mode mode, const u8 *bytes, u32 len, u64 old,
		   u64 loaded)
{
	struct insn in;

	assert_int_equal(insn_decode(bytes, len, mode, &in), INSN_OK);
	return insn_load_result(&in, old, loaded);
}

#define LOAD(mode, old, loaded, ...) \
	load_of(mode, (const u8[]){ __VA_ARGS__ }, \
		sizeof((u8[]){ __VA_ARGS__ }), old, loaded)

static void test_load_result(void **state)
{
	const u64 ones = ~0ull, pat = 0x1111111111111111;
	struct insn in;

	(void)state;
	/* Plain MOV: 32-bit writes zero-extend, narrower ones merge. */
	assert_true(LOAD(CPU_MODE_LONG64, ones, 0x12345678, 0x8b, 0x00) ==
		    0x12345678);
	assert_true(LOAD(CPU_MODE_LONG64, ones, 0x123456789abcdef0,
			 0x48, 0x8b, 0x00) == 0x123456789abcdef0);
	assert_true(LOAD(CPU_MODE_LONG64, pat, 0xabcd, 0x66, 0x8b, 0x00) ==
		    0x111111111111abcd);
	assert_true(LOAD(CPU_MODE_LONG64, pat, 0xab, 0x8a, 0x00) ==
		    0x11111111111111ab);
	assert_true(LOAD(CPU_MODE_LONG64, pat, 0xab, 0x8a, 0x20) ==
		    0x111111111111ab11); /* %ah */
	assert_true(LOAD(CPU_MODE_LONG64, pat, 0xab, 0x40, 0x8a, 0x20) ==
		    0x11111111111111ab); /* %spl */
	assert_true(LOAD(CPU_MODE_PROT32, pat, 0x9876, 0xa1, D32) ==
		    0x9876);
	/* Bytes beyond mem_size in @loaded are ignored. */
	assert_true(LOAD(CPU_MODE_LONG64, pat, 0xdeadbeef000000ab, 0x8a,
			 0x00) == 0x11111111111111ab);
	assert_true(LOAD(CPU_MODE_LONG64, 0, 0xdeadbeef12345678, 0x8b, 0x00) ==
		    0x12345678);

	/* MOVZX zero-extends to reg_size, then the write rule applies. */
	assert_true(LOAD(CPU_MODE_LONG64, ones, 0xff, 0x0f, 0xb6, 0x00) ==
		    0xff);
	assert_true(LOAD(CPU_MODE_LONG64, ones, 0xffff, 0x48, 0x0f, 0xb7,
			 0x00) == 0xffff);
	assert_true(LOAD(CPU_MODE_LONG64, pat, 0x80, 0x66, 0x0f, 0xb6, 0x00) ==
		    0x1111111111110080);

	/* MOVSX / MOVSXD sign-extend. */
	assert_true(LOAD(CPU_MODE_LONG64, 0, 0x80, 0x0f, 0xbe, 0x00) ==
		    0xffffff80);
	assert_true(LOAD(CPU_MODE_LONG64, 0, 0x80, 0x48, 0x0f, 0xbe, 0x00) ==
		    0xffffffffffffff80);
	assert_true(LOAD(CPU_MODE_LONG64, 0, 0x7f, 0x48, 0x0f, 0xbe, 0x00) ==
		    0x7f);
	assert_true(LOAD(CPU_MODE_LONG64, 0, 0x8000, 0x48, 0x0f, 0xbf, 0x00) ==
		    0xffffffffffff8000);
	assert_true(LOAD(CPU_MODE_LONG64, pat, 0x80, 0x66, 0x0f, 0xbe, 0x00) ==
		    0x111111111111ff80);
	assert_true(LOAD(CPU_MODE_LONG64, 0, 0x80000000, 0x48, 0x63, 0x00) ==
		    0xffffffff80000000);
	assert_true(LOAD(CPU_MODE_LONG64, ones, 0x80000000, 0x63, 0x00) ==
		    0x80000000);
	assert_true(LOAD(CPU_MODE_REAL, pat, 0xf0, 0x0f, 0xbe, 0x07) ==
		    0x111111111111fff0);

	/* Not a load: the register keeps its value. */
	assert_int_equal(insn_decode((const u8 *)"\x89\x00", 2,
				     CPU_MODE_LONG64, &in), INSN_OK);
	assert_true(insn_load_result(&in, pat, 0) == pat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_instructions),
		cmocka_unit_test(test_mov_forms),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_store_value),
		cmocka_unit_test(test_load_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
