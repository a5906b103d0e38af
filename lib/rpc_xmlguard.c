/*
 * A cheap pass over a request body before the XML parser sees it. The
 * parser builds the whole element tree and frees it recursively, so a deep
 * document overflows the stack, and a DOCTYPE can declare entities that
 * cost seconds to expand; both are refused here, in linear time.
 *
 * It also refuses what crashes the parser itself (an unparsable <i8>).
 *
 * The count of open elements is never lower than the parser's: comments,
 * CDATA sections and processing instructions are skipped exactly as XML
 * skips them, anything else that starts with "<" and a name opens an
 * element unless it ends in "/>".
 */
#include "vas/rpc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Index just past the first occurrence of end at or after i, or len. */
static size_t skip_past(const char *s, size_t len, size_t i, const char *end)
{
	size_t n = strlen(end);

	for (; i + n <= len; i++)
		if (!memcmp(s + i, end, n))
			return i + n;
	return len;
}

static bool starts(const char *s, size_t len, size_t i, const char *prefix)
{
	size_t n = strlen(prefix);

	return i + n <= len && !memcmp(s + i, prefix, n);
}

/*
 * Index just past the '>' that ends the tag opened at i, honouring quoted
 * attribute values; *empty tells whether it was written "<name .../>".
 */
static size_t tag_end(const char *s, size_t len, size_t i, bool *empty)
{
	char quote = 0;

	*empty = false;
	for (; i < len; i++) {
		if (quote) {
			if (s[i] == quote)
				quote = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			quote = s[i];
		} else if (s[i] == '>') {
			*empty = s[i - 1] == '/';
			return i + 1;
		}
	}
	return len;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The element name of the start tag at i ("<name ..."). */
static bool tag_is(const char *s, size_t len, size_t i, const char *name)
{
	size_t n = strlen(name);

	return starts(s, len, i + 1, name) && i + 1 + n < len &&
	       (is_space(s[i + 1 + n]) || s[i + 1 + n] == '/' ||
		s[i + 1 + n] == '>');
}

/*
 * xmlrpc-c 1.33 crashes while it words the fault for an <i8> it cannot
 * parse (trailing text, overflow): only a plain decimal number within
 * 64 bits, directly followed by the end tag, may reach it.
 */
static bool i8_ok(const char *s, size_t len, size_t i)
{
	uint64_t v = 0;
	int digits = 0;
	bool neg = false;

	while (i < len && is_space(s[i]))
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (++digits > 19)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (!digits || v > (uint64_t)INT64_MAX + neg)
		return false;
	return starts(s, len, i, "</");
}

int rpc_xml_guard(const char *xml, size_t len, int max_depth, const char **why)
{
	size_t i = 0;
	int depth = 0;
	bool empty;

	*why = NULL;
	/* A NUL byte or a UTF-16 mark would make the parser read UTF-16. */
	if (memchr(xml, '\0', len) || starts(xml, len, 0, "\xfe\xff") ||
	    starts(xml, len, 0, "\xff\xfe")) {
		*why = "not an 8-bit document";
		return -EINVAL;
	}
	while (i < len) {
		const char *lt = memchr(xml + i, '<', len - i);

		if (!lt)
			break;
		i = (size_t)(lt - xml);
		if (starts(xml, len, i, "<!--")) {
			i = skip_past(xml, len, i + 4, "-->");
		} else if (starts(xml, len, i, "<![CDATA[")) {
			i = skip_past(xml, len, i + 9, "]]>");
		} else if (starts(xml, len, i, "<!")) {
			*why = "DOCTYPE or another declaration";
			return -EINVAL;
		} else if (starts(xml, len, i, "<?")) {
			i = skip_past(xml, len, i + 2, "?>");
		} else if (starts(xml, len, i, "</")) {
			if (depth > 0)
				depth--;
			i = tag_end(xml, len, i + 2, &empty);
		} else {
			bool i8 = tag_is(xml, len, i, "i8") ||
				  tag_is(xml, len, i, "ex:i8");

			i = tag_end(xml, len, i + 1, &empty);
			if (!empty && ++depth > max_depth) {
				*why = "elements nested too deeply";
				return -EINVAL;
			}
			if (i8 && !empty && !i8_ok(xml, len, i)) {
				*why = "an <i8> that is not a 64-bit number";
				return -EINVAL;
			}
		}
	}
	return 0;
}
