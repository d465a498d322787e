/*
 * Guest page-table walks, to read the instruction at a guest's RIP (for
 * decoding) or translate other guest-virtual addresses. Pure code with a
 * callback to read guest-physical memory; host unit-tested. Handles paging
 * off, 32-bit two-level (4 MiB pages with CR4.PSE), PAE three-level and
 * 4-level long-mode tables (2 MiB and 1 GiB pages). Permissions are not
 * checked: the hypervisor only reads what the guest already executed.
 */
#ifndef HOLDFAST_X86_GUEST_WALK_H
#define HOLDFAST_X86_GUEST_WALK_H

#include "lib/types.h"

/* Read @len bytes of guest-physical memory at @gpa; false if not RAM. */
typedef bool (*gpa_read_fn)(void *ctx, u64 gpa, void *buf, u32 len);

struct guest_paging {
	u64 cr0, cr3, cr4, efer;
};

enum walk_status {
	WALK_OK = 0,
	WALK_NOT_PRESENT = -1, /* a table entry is not present */
	WALK_BAD_TABLE = -2,   /* a table lies outside guest RAM */
};

enum walk_status guest_walk(const struct guest_paging *p, u64 gva,
			    gpa_read_fn read, void *ctx, u64 *gpa);

/* Read up to @len bytes at guest-virtual @gva, page by page; returns how
 * many bytes were read before the first failure (0..len). */
u32 guest_read_virt(const struct guest_paging *p, u64 gva, void *buf,
		    u32 len, gpa_read_fn read, void *ctx);

#endif
