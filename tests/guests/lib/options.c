#include "tests/guests/lib/options.h"
#include "lib/cmdline.h"

const char *rt_cmdline = "";

u64 rt_option_u64(const char *name, u64 fallback)
{
	const char *cursor = rt_cmdline;
	struct cmdline_token tok;
	u64 v;

	while (cmdline_next(&cursor, &tok))
		if (tok.has_value && str_equal(tok.key, name) &&
		    parse_u64(tok.value, &v))
			return v;
	return fallback;
}
