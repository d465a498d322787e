#include "lib/cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next(const char **cursor, struct cmdline_token *tok)
{
	const char *p = *cursor;
	size_t k = 0, v = 0;

	while (*p && is_space(*p))
		p++;
	if (!*p) {
		*cursor = p;
		return false;
	}
	tok->has_value = false;
	tok->too_long = false;
	for (; *p && !is_space(*p) && *p != '='; p++) {
		if (k + 1 < sizeof(tok->key))
			tok->key[k++] = *p;
		else
			tok->too_long = true;
	}
	if (*p == '=') {
		tok->has_value = true;
		for (p++; *p && !is_space(*p); p++) {
			if (v + 1 < sizeof(tok->value))
				tok->value[v++] = *p;
			else
				tok->too_long = true;
		}
	}
	tok->key[k] = '\0';
	tok->value[v] = '\0';
	*cursor = p;
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Parse digits of @s in @base up to the first non-digit; returns the end. */
static const char *parse_digits(const char *s, unsigned base, u64 *out,
				bool *overflow)
{
	u64 v = 0;
	int d;

	*overflow = false;
	for (; (d = digit_value(*s)) < (int)base; s++) {
		if (v > (UINT64_MAX - (u64)d) / base)
			*overflow = true;
		v = v * base + (u64)d;
	}
	*out = v;
	return s;
}

static const char *parse_number_prefix(const char *s, u64 *out, bool *ok)
{
	unsigned base = 10;
	bool overflow;
	const char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	end = parse_digits(s, base, out, &overflow);
	*ok = end != s && !overflow;
	return end;
}

bool parse_u64(const char *s, u64 *out)
{
	bool ok;
	const char *end = parse_number_prefix(s, out, &ok);

	return ok && *end == '\0';
}

bool parse_size(const char *s, u64 *out)
{
	bool ok;
	u64 v;
	unsigned shift = 0;
	const char *end = parse_number_prefix(s, &v, &ok);

	if (!ok)
		return false;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		return false;
	}
	if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

bool str_equal(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const char *str_after_prefix(const char *s, const char *prefix)
{
	while (*prefix) {
		if (*s++ != *prefix++)
			return NULL;
	}
	return s;
}
