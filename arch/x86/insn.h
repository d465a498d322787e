/*
 * x86 instruction decoding for exits that do not report an instruction
 * length (no NRIP save on the emulated AMD-V) and for MMIO emulation.
 * Pure code, host unit-tested. It recognises only what Holdfast needs: the
 * instructions that exit (CPUID, RDMSR, WRMSR, HLT, VMMCALL, VMCALL, PAUSE,
 * RDTSC, RDTSCP) and the MOV forms guests use for MMIO; anything else is
 * reported as unsupported, never guessed.
 */
#ifndef HOLDFAST_X86_INSN_H
#define HOLDFAST_X86_INSN_H

#include "lib/types.h"

#define INSN_MAX_LEN 15

enum cpu_mode {
	CPU_MODE_REAL,   /* real mode or virtual-8086: 16-bit defaults */
	CPU_MODE_PROT16, /* CS.D = 0 (protected or compatibility mode) */
	CPU_MODE_PROT32, /* CS.D = 1 (protected or compatibility mode) */
	CPU_MODE_LONG64, /* CS.L = 1 in long mode */
};

enum insn_kind {
	INSN_CPUID,
	INSN_RDMSR,
	INSN_WRMSR,
	INSN_HLT,
	INSN_VMMCALL,
	INSN_VMCALL,
	INSN_PAUSE,
	INSN_RDTSC,
	INSN_RDTSCP,
	INSN_INVD,             /* 0F 08 */
	INSN_MOV_TO_MEM,       /* 88, 89, A2, A3: register -> memory */
	INSN_MOV_FROM_MEM,     /* 8A, 8B, A0, A1: memory -> register */
	INSN_MOV_IMM_TO_MEM,   /* C6 /0, C7 /0: immediate -> memory */
	INSN_MOVZX_FROM_MEM,   /* 0F B6, 0F B7 */
	INSN_MOVSX_FROM_MEM,   /* 0F BE, 0F BF, 63 (MOVSXD) */
};

struct insn {
	u8 length;           /* bytes, prefixes included */
	enum insn_kind kind;
	/* For the MOV forms only: */
	u8 mem_size;         /* bytes accessed in memory: 1, 2, 4 or 8 */
	u8 reg_size;         /* size of the register operand: 1, 2, 4 or 8 */
	u8 reg;              /* 0-15 in encoding order (0 RAX, 1 RCX, 2 RDX,
			      * 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15) */
	bool reg_high_byte;  /* AH, CH, DH or BH (byte op, no REX, reg 4-7:
			      * then reg holds 0-3, the register it lives in) */
	u64 imm;             /* MOV_IMM_TO_MEM: the value written, mem_size
			      * wide (C7 with 64-bit operand size: its imm32
			      * sign-extended to 64 bits) */
};

enum insn_status {
	INSN_OK = 0,
	INSN_UNSUPPORTED = -1, /* not an instruction this decoder handles */
	INSN_TRUNCATED = -2,   /* @avail ran out before the instruction ended */
};

/* Decode the instruction at @bytes (@avail bytes readable). On failure
 * *out is zeroed; INSN_TRUNCATED means more bytes could still make it an
 * instruction this decoder handles. */
enum insn_status insn_decode(const u8 *bytes, u32 avail, enum cpu_mode mode,
			     struct insn *out);

/* MOV to memory: the value to store, taken from @regs (16 GPRs in encoding
 * order) or the immediate, truncated to mem_size. */
u64 insn_store_value(const struct insn *in, const u64 regs[16]);

/* MOV from memory: the destination register's new value, given its old
 * value and the @loaded bytes (mem_size wide), following x86 rules (32-bit
 * writes zero-extend to 64, 8/16-bit writes preserve the rest, MOVZX/MOVSX
 * extend to reg_size). */
u64 insn_load_result(const struct insn *in, u64 old, u64 loaded);

#endif
