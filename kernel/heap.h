/* A small heap for hypervisor objects: power-of-two size classes carved
 * from pages; larger requests take whole pages. Memory comes back zeroed. */
#ifndef HOLDFAST_HEAP_H
#define HOLDFAST_HEAP_H

#include "lib/types.h"

void *kzalloc(u64 size);
void kfree(void *p);

#endif
