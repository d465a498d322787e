/* Little-endian loads and stores at any alignment, for parsing and
 * building firmware structures (multiboot2, ACPI, boot_params). The
 * constant-size builtins become plain moves, never library calls. */
#ifndef HOLDFAST_UNALIGNED_H
#define HOLDFAST_UNALIGNED_H

#include "lib/types.h"

static inline u16 get_le16(const u8 *p)
{
	u16 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 get_le32(const u8 *p)
{
	u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 get_le64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline void put_le16(u8 *p, u16 v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static inline void put_le32(u8 *p, u32 v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static inline void put_le64(u8 *p, u64 v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

#endif
