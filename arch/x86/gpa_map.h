/* A VM's guest-physical map: 4-level tables (the format NPT and EPT share,
 * with different entry bits, given by the backend), built once at VM
 * creation. Only RAM the VM owns is ever mapped. */
#ifndef HOLDFAST_X86_GPA_MAP_H
#define HOLDFAST_X86_GPA_MAP_H

#include "lib/types.h"

struct gpa_map_format {
	u64 table_bits; /* bits of a non-leaf entry */
	u64 page_bits;  /* bits of a 4 KiB leaf */
	u64 large_bits; /* bits of a 2 MiB leaf */
};

struct gpa_map {
	u64 root; /* physical address of the top table; 0 when none */
	const struct gpa_map_format *format;
	u64 table_pages; /* page-table pages in use */
};

bool gpa_map_init(struct gpa_map *m, const struct gpa_map_format *f);
/* Map @size bytes of guest-physical @gpa to host-physical @hpa, with 2 MiB
 * pages where both are aligned. False when out of page-table memory. */
bool gpa_map_add(struct gpa_map *m, u64 gpa, u64 hpa, u64 size);
/* Free every table page. */
void gpa_map_destroy(struct gpa_map *m);

#endif
