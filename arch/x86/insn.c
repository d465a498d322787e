/*
 * x86 instruction decoder for the instructions Holdfast skips or emulates
 * (see insn.h).
 *
 * Decoding runs prefixes, opcode, ModRM with its SIB and displacement, then
 * the immediate; any step may run out of bytes. A step that proves the
 * instruction unsupported reports that even if more bytes would follow, and
 * a missing byte is only reported as truncation while the instruction could
 * still be one we handle. Prefixes the hardware would reject (LOCK) or that
 * select other instructions (F2/F3/66 in the 0F maps) make the instruction
 * unsupported rather than silently dropped.
 */
#include "arch/x86/insn.h"

#define REX_B 0x1
#define REX_R 0x4
#define REX_W 0x8

struct insn_cursor {
	const u8 *bytes;
	u32 avail;
	u32 pos;
	enum cpu_mode mode;
	u8 rex;		/* the REX byte, or 0 when absent or ignored */
	bool opsize;	/* 66 */
	bool addrsize;	/* 67 */
	bool rep;	/* F3 */
	bool repne;	/* F2 */
	bool lock;	/* F0 */
	u8 op_bytes;	/* effective operand size */
	u8 addr_bytes;	/* effective address size */
	u8 modrm;
};

static enum insn_status insn_fetch(struct insn_cursor *c, u8 *b)
{
	/* Checked first: no byte past the 15th can belong to a valid
	 * instruction, so more bytes would not help. */
	if (c->pos >= INSN_MAX_LEN)
		return INSN_UNSUPPORTED;
	if (c->pos >= c->avail)
		return INSN_TRUNCATED;
	*b = c->bytes[c->pos++];
	return INSN_OK;
}

/* Fetch an @n-byte little-endian field (displacement, moffs, immediate). */
static enum insn_status insn_fetch_le(struct insn_cursor *c, u32 n, u64 *val)
{
	enum insn_status st;
	u32 i;
	u8 b;

	*val = 0;
	for (i = 0; i < n; i++) {
		st = insn_fetch(c, &b);
		if (st)
			return st;
		*val |= (u64)b << (8 * i);
	}
	return INSN_OK;
}

static enum insn_status insn_decode_prefixes(struct insn_cursor *c, u8 *opcode)
{
	enum insn_status st;
	u8 b;

	for (;;) {
		st = insn_fetch(c, &b);
		if (st)
			return st;
		switch (b) {
		case 0x66:
			c->opsize = true;
			break;
		case 0x67:
			c->addrsize = true;
			break;
		case 0xf2:
			c->repne = true;
			break;
		case 0xf3:
			c->rep = true;
			break;
		case 0xf0:
			c->lock = true;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			/* The exit reports the faulting address; segments
			 * do not matter to the decoder. */
			break;
		default:
			if (c->mode == CPU_MODE_LONG64 && (b & 0xf0) == 0x40) {
				c->rex = b;
				continue;
			}
			*opcode = b;
			return INSN_OK;
		}
		/* The CPU ignores a REX that does not immediately precede
		 * the opcode, so a later legacy prefix cancels it. */
		c->rex = 0;
	}
}

static void insn_set_sizes(struct insn_cursor *c)
{
	switch (c->mode) {
	case CPU_MODE_LONG64:
		c->op_bytes = (c->rex & REX_W) ? 8 : c->opsize ? 2 : 4;
		c->addr_bytes = c->addrsize ? 4 : 8;
		break;
	case CPU_MODE_PROT32:
		c->op_bytes = c->opsize ? 2 : 4;
		c->addr_bytes = c->addrsize ? 2 : 4;
		break;
	default:
		c->op_bytes = c->opsize ? 4 : 2;
		c->addr_bytes = c->addrsize ? 4 : 2;
		break;
	}
}

/* Register forms (mod = 3) never touch memory, so no exit needs them. */
static enum insn_status insn_fetch_modrm_mem(struct insn_cursor *c)
{
	enum insn_status st;

	st = insn_fetch(c, &c->modrm);
	if (st)
		return st;
	if ((c->modrm >> 6) == 3)
		return INSN_UNSUPPORTED;
	return INSN_OK;
}

/* Skip the SIB and displacement that follow a memory-form ModRM. */
static enum insn_status insn_skip_address(struct insn_cursor *c)
{
	u8 mod = c->modrm >> 6, rm = c->modrm & 7, sib;
	enum insn_status st;
	u32 disp = 0;
	u64 unused;

	if (c->addr_bytes == 2) {
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			disp = 2;
		return insn_fetch_le(c, disp, &unused);
	}

	/* 32/64-bit addressing; REX.B does not change which rm values
	 * escape to a SIB or to disp32/RIP-relative. */
	if (mod == 1)
		disp = 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		disp = 4;
	if (rm == 4) {
		st = insn_fetch(c, &sib);
		if (st)
			return st;
		if (mod == 0 && (sib & 7) == 5)
			disp = 4;
	}
	return insn_fetch_le(c, disp, &unused);
}

static void insn_set_reg(struct insn_cursor *c, struct insn *out)
{
	out->reg = ((c->modrm >> 3) & 7) | ((c->rex & REX_R) ? 8 : 0);
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH; with any
	 * REX they are SPL, BPL, SIL, DIL. */
	if (out->reg_size == 1 && !c->rex && out->reg >= 4) {
		out->reg -= 4;
		out->reg_high_byte = true;
	}
}

/* 88, 89, 8A, 8B, 0F B6/B7/BE/BF, 63: register <-> memory via ModRM. */
static enum insn_status insn_decode_mov_modrm(struct insn_cursor *c,
					      struct insn *out,
					      enum insn_kind kind,
					      u8 mem_size, u8 reg_size)
{
	enum insn_status st;

	st = insn_fetch_modrm_mem(c);
	if (st)
		return st;
	st = insn_skip_address(c);
	if (st)
		return st;
	out->kind = kind;
	out->mem_size = mem_size;
	out->reg_size = reg_size;
	insn_set_reg(c, out);
	return INSN_OK;
}

/* C6 /0 and C7 /0; other /reg values are different instructions. */
static enum insn_status insn_decode_mov_imm(struct insn_cursor *c,
					    struct insn *out, bool byte_op)
{
	enum insn_status st;
	u32 imm_bytes;
	u64 imm;

	st = insn_fetch_modrm_mem(c);
	if (st)
		return st;
	if ((c->modrm >> 3) & 7)
		return INSN_UNSUPPORTED;
	st = insn_skip_address(c);
	if (st)
		return st;

	out->mem_size = byte_op ? 1 : c->op_bytes;
	imm_bytes = out->mem_size == 8 ? 4 : out->mem_size;
	st = insn_fetch_le(c, imm_bytes, &imm);
	if (st)
		return st;
	/* A 64-bit store takes an imm32 that the CPU sign-extends. */
	if (out->mem_size == 8)
		imm = (u64)(s64)(s32)(u32)imm;
	out->kind = INSN_MOV_IMM_TO_MEM;
	out->reg_size = out->mem_size;
	out->imm = imm;
	return INSN_OK;
}

/* A0-A3: the accumulator and an absolute address as wide as the
 * address size; REX.B does not select another register here. */
static enum insn_status insn_decode_mov_moffs(struct insn_cursor *c,
					      struct insn *out, u8 opcode)
{
	enum insn_status st;
	u64 unused;

	st = insn_fetch_le(c, c->addr_bytes, &unused);
	if (st)
		return st;
	out->kind = opcode >= 0xa2 ? INSN_MOV_TO_MEM : INSN_MOV_FROM_MEM;
	out->mem_size = (opcode & 1) ? c->op_bytes : 1;
	out->reg_size = out->mem_size;
	out->reg = 0;
	return INSN_OK;
}

/* 0F 01 /reg forms that exit; each is a single fixed ModRM value. */
static enum insn_status insn_decode_0f01(struct insn_cursor *c,
					 struct insn *out)
{
	enum insn_status st;
	u8 modrm;

	/* 66 0F 01 is where TDCALL and SEAMCALL live. */
	if (c->opsize)
		return INSN_UNSUPPORTED;
	st = insn_fetch(c, &modrm);
	if (st)
		return st;
	switch (modrm) {
	case 0xc1:
		out->kind = INSN_VMCALL;
		return INSN_OK;
	case 0xd9:
		out->kind = INSN_VMMCALL;
		return INSN_OK;
	case 0xf9:
		out->kind = INSN_RDTSCP;
		return INSN_OK;
	default:
		return INSN_UNSUPPORTED;
	}
}

static enum insn_status insn_decode_0f(struct insn_cursor *c, struct insn *out)
{
	enum insn_status st;
	u8 op;

	/* F2/F3 are mandatory prefixes in the 0F map (F3 0F B8 is POPCNT,
	 * not MOVZX's neighbour): none of ours take them. */
	if (c->rep || c->repne)
		return INSN_UNSUPPORTED;
	st = insn_fetch(c, &op);
	if (st)
		return st;
	switch (op) {
	case 0xa2:
		out->kind = INSN_CPUID;
		return INSN_OK;
	case 0x30:
		out->kind = INSN_WRMSR;
		return INSN_OK;
	case 0x31:
		out->kind = INSN_RDTSC;
		return INSN_OK;
	case 0x32:
		out->kind = INSN_RDMSR;
		return INSN_OK;
	case 0x08:
		out->kind = INSN_INVD;
		return INSN_OK;
	case 0x01:
		return insn_decode_0f01(c, out);
	case 0xb6:
	case 0xb7:
		return insn_decode_mov_modrm(c, out, INSN_MOVZX_FROM_MEM,
					     op == 0xb6 ? 1 : 2, c->op_bytes);
	case 0xbe:
	case 0xbf:
		return insn_decode_mov_modrm(c, out, INSN_MOVSX_FROM_MEM,
					     op == 0xbe ? 1 : 2, c->op_bytes);
	default:
		return INSN_UNSUPPORTED;
	}
}

static enum insn_status insn_decode_opcode(struct insn_cursor *c,
					   struct insn *out, u8 op)
{
	/* F3 on a store is the XRELEASE hint, which is harmless without
	 * LOCK; F2/F3 are reserved on the other one-byte forms. */
	bool rep_ok = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;

	if (c->repne || (c->rep && !rep_ok && op != 0x90))
		return INSN_UNSUPPORTED;

	switch (op) {
	case 0x0f:
		return insn_decode_0f(c, out);
	case 0xf4:
		out->kind = INSN_HLT;
		return INSN_OK;
	case 0x90:
		/* Plain 90 is NOP (no exit); with REX.B it is XCHG r8. */
		if (!c->rep || (c->rex & REX_B))
			return INSN_UNSUPPORTED;
		out->kind = INSN_PAUSE;
		return INSN_OK;
	case 0x88:
		return insn_decode_mov_modrm(c, out, INSN_MOV_TO_MEM, 1, 1);
	case 0x89:
		return insn_decode_mov_modrm(c, out, INSN_MOV_TO_MEM,
					     c->op_bytes, c->op_bytes);
	case 0x8a:
		return insn_decode_mov_modrm(c, out, INSN_MOV_FROM_MEM, 1, 1);
	case 0x8b:
		return insn_decode_mov_modrm(c, out, INSN_MOV_FROM_MEM,
					     c->op_bytes, c->op_bytes);
	case 0xc6:
	case 0xc7:
		return insn_decode_mov_imm(c, out, op == 0xc6);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return insn_decode_mov_moffs(c, out, op);
	case 0x63:
		/* ARPL outside 64-bit mode. MOVSXD without REX.W is a
		 * plain 32-bit (or 16-bit with 66) load. */
		if (c->mode != CPU_MODE_LONG64)
			return INSN_UNSUPPORTED;
		return insn_decode_mov_modrm(c, out, INSN_MOVSX_FROM_MEM,
					     c->op_bytes == 8 ? 4 : c->op_bytes,
					     c->op_bytes);
	default:
		return INSN_UNSUPPORTED;
	}
}

enum insn_status insn_decode(const u8 *bytes, u32 avail, enum cpu_mode mode,
			     struct insn *out)
{
	struct insn_cursor c = { .bytes = bytes, .avail = avail, .mode = mode };
	enum insn_status st;
	u8 op;

	*out = (struct insn){ 0 };
	if (mode > CPU_MODE_LONG64)
		return INSN_UNSUPPORTED;
	st = insn_decode_prefixes(&c, &op);
	if (st)
		return st;
	/* Every instruction here raises #UD with LOCK, so none would
	 * have exited with it. */
	if (c.lock)
		return INSN_UNSUPPORTED;
	insn_set_sizes(&c);
	st = insn_decode_opcode(&c, out, op);
	if (st)
		return st;
	out->length = (u8)c.pos;
	return INSN_OK;
}

static u64 insn_truncate(u64 val, u8 size)
{
	return size >= 8 ? val : val & ((1ull << (8 * size)) - 1);
}

static u64 insn_sign_extend(u64 val, u8 size)
{
	u32 shift = 64 - 8 * size;

	return size >= 8 ? val : (u64)((s64)(val << shift) >> shift);
}

u64 insn_store_value(const struct insn *in, const u64 regs[16])
{
	u64 val;

	switch (in->kind) {
	case INSN_MOV_TO_MEM:
		val = regs[in->reg & 15];
		if (in->reg_high_byte)
			val >>= 8;
		break;
	case INSN_MOV_IMM_TO_MEM:
		val = in->imm;
		break;
	default:
		return 0;
	}
	return insn_truncate(val, in->mem_size);
}

u64 insn_load_result(const struct insn *in, u64 old, u64 loaded)
{
	u64 val = insn_truncate(loaded, in->mem_size);

	switch (in->kind) {
	case INSN_MOV_FROM_MEM:
	case INSN_MOVZX_FROM_MEM:
		break;
	case INSN_MOVSX_FROM_MEM:
		val = insn_sign_extend(val, in->mem_size);
		break;
	default:
		return old;
	}

	switch (in->reg_size) {
	case 8:
		return val;
	case 4:
		return val & 0xffffffffull;
	case 2:
		return (old & ~0xffffull) | (val & 0xffff);
	case 1:
		if (in->reg_high_byte)
			return (old & ~0xff00ull) | ((val & 0xff) << 8);
		return (old & ~0xffull) | (val & 0xff);
	default:
		return old;
	}
}
