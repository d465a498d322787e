/* printf-style formatting into a buffer (pure, host unit-tested).
 * Supports %d %i %u %x %X %p %s %c %%, flags '-' and '0', a width, and the
 * length modifiers l, ll and z. */
#ifndef HOLDFAST_FORMAT_H
#define HOLDFAST_FORMAT_H

#include <stdarg.h>
#include "lib/types.h"

/* Like vsnprintf: always NUL-terminates when @size > 0 and returns the
 * length the whole output would have had. */
int format_v(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
