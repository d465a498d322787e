/* Loading a freestanding ELF64 x86-64 executable into guest memory.
 * Pure code, host unit-tested: it validates everything it reads and writes
 * through a callback, so it never touches memory outside the guest. */
#ifndef HOLDFAST_ELF_LOADER_H
#define HOLDFAST_ELF_LOADER_H

#include "lib/types.h"

/* Write @len bytes of @src (or zeros when @src is NULL) at guest-physical
 * @gpa; false when the range is not guest RAM. */
typedef bool (*guest_write_fn)(void *ctx, u64 gpa, const void *src, u64 len);

/*
 * Validate the ELF image @file (@size bytes) and copy its PT_LOAD segments
 * (by physical address p_paddr; bss zero-filled) to guest memory. Every
 * segment must lie within [@min_gpa, @max_gpa) and the entry point inside a
 * loaded executable segment. Returns false with a short static message in
 * @*error (e.g. "not an ELF file", "segment outside the allowed range").
 */
bool elf_load(const void *file, u64 size, u64 min_gpa, u64 max_gpa,
	      guest_write_fn write, void *ctx, u64 *entry, const char **error);

#endif
