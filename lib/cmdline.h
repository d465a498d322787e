/* Command-line tokenising and value parsing (pure, host unit-tested).
 * Used for the hypervisor's own command line and for VM module strings. */
#ifndef HOLDFAST_CMDLINE_H
#define HOLDFAST_CMDLINE_H

#include "lib/types.h"

#define CMDLINE_KEY_MAX 32
#define CMDLINE_VALUE_MAX 128

struct cmdline_token {
	char key[CMDLINE_KEY_MAX];
	char value[CMDLINE_VALUE_MAX];
	bool has_value;   /* "key=value" rather than a bare "key" */
	bool too_long;    /* key or value was cut: treat as malformed */
};

/* Take the next whitespace-separated word from *@cursor, split at the first
 * '='. Returns false at the end of the string. */
bool cmdline_next(const char **cursor, struct cmdline_token *tok);

/* Unsigned integer: decimal, or hex with 0x. Whole string must be used. */
bool parse_u64(const char *s, u64 *out);

/* A size with optional K, M or G suffix (binary units); bytes otherwise. */
bool parse_size(const char *s, u64 *out);

bool str_equal(const char *a, const char *b);
/* @s starts with @prefix: returns the rest of @s, else NULL. */
const char *str_after_prefix(const char *s, const char *prefix);

#endif
