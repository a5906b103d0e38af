/* vas.conf: INI file, "[section]" then "key: value" or "key = value". */
#ifndef VAS_CONF_H
#define VAS_CONF_H

#define VAS_CONF_DEFAULT "/etc/vas.conf"

struct vas_conf;

/*
 * Loads path into *out (caller frees with conf_free). A missing file gives
 * an empty configuration. Returns 0, -ENOMEM, or -EINVAL for a syntax error
 * (the line is logged).
 */
int conf_load(const char *path, struct vas_conf **out);
/* An empty configuration (never fails except -ENOMEM). */
int conf_new_empty(struct vas_conf **out);
/* Sets a value, replacing an existing one; used by tests and overrides. */
int conf_set(struct vas_conf *conf, const char *section, const char *key,
	     const char *value);
void conf_free(struct vas_conf *conf);

/* Borrowed pointer to the value, or NULL when absent. */
const char *conf_get(const struct vas_conf *conf, const char *section,
		     const char *key);
const char *conf_get_str(const struct vas_conf *conf, const char *section,
			 const char *key, const char *def);
/*
 * Integer option with a default and an allowed range. Returns 0, or -EINVAL
 * (logged) when the value is not a decimal integer within [min, max].
 */
int conf_get_long(const struct vas_conf *conf, const char *section,
		  const char *key, long def, long min, long max, long *out);

#endif
