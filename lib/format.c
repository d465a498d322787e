#include "lib/format.h"

struct sink {
	char *buf;
	size_t size, len;
};

static void sink_put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void sink_pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		sink_put(s, c);
}

static void put_field(struct sink *s, const char *str, int len, int width,
		      bool left, char pad)
{
	if (!left)
		sink_pad(s, pad, width - len);
	for (int i = 0; i < len; i++)
		sink_put(s, str[i]);
	if (left)
		sink_pad(s, ' ', width - len);
}

static void put_number(struct sink *s, u64 v, bool negative, unsigned base,
		       bool upper, int width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative) {
		if (pad == '0') {
			/* sign goes before the zero padding */
			sink_put(s, '-');
			width--;
		} else {
			tmp[n++] = '-';
		}
	}
	char out[24];

	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	put_field(s, out, n, width, left, pad);
}

int format_v(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			sink_put(&s, *fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char pad = ' ';

		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (left)
			pad = ' ';
		int width = 0;

		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int lng = 0;

		while (*fmt == 'l' || *fmt == 'z') {
			lng = 2;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);

			put_number(&s, v < 0 ? -(u64)v : (u64)v, v < 0, 10,
				   false, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			u64 v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned);

			put_number(&s, v, false, *fmt == 'u' ? 10 : 16,
				   *fmt == 'X', width, left, pad);
			break;
		}
		case 'p':
			sink_put(&s, '0');
			sink_put(&s, 'x');
			put_number(&s, (u64)(uintptr_t)va_arg(ap, void *), false,
				   16, false, width, left, pad);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;

			if (!str)
				str = "(null)";
			while (str[len])
				len++;
			put_field(&s, str, len, width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_field(&s, &c, 1, width, left, ' ');
			break;
		}
		case '%':
			sink_put(&s, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the NUL */
			break;
		default:
			sink_put(&s, '%');
			sink_put(&s, *fmt);
			break;
		}
	}
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = format_v(buf, size, fmt, ap);

	va_end(ap);
	return n;
}
