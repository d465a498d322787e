/* The few C library string routines the freestanding hypervisor provides. */
#ifndef HOLDFAST_STRING_H
#define HOLDFAST_STRING_H

#include "lib/types.h"

void *memcpy(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);

#endif
