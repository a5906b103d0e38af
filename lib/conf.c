/* vas.conf parser: sections, case-insensitive keys, '#'/';' comments. */
#include "vas/conf.h"
#include "vas/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct conf_entry {
	char *section;
	char *key;
	char *value;
	struct conf_entry *next;
};

struct vas_conf {
	struct conf_entry *head;
};

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int conf_new_empty(struct vas_conf **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static struct conf_entry *find(const struct vas_conf *conf, const char *section,
			       const char *key)
{
	struct conf_entry *e;

	for (e = conf->head; e; e = e->next)
		if (!strcasecmp(e->section, section) &&
		    !strcasecmp(e->key, key))
			return e;
	return NULL;
}

int conf_set(struct vas_conf *conf, const char *section, const char *key,
	     const char *value)
{
	struct conf_entry *e = find(conf, section, key);
	char *v = strdup(value);

	if (!v)
		return -ENOMEM;
	if (e) {
		free(e->value);
		e->value = v;
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->section = strdup(section)) || !(e->key = strdup(key))) {
		if (e)
			free(e->section);
		free(e);
		free(v);
		return -ENOMEM;
	}
	e->value = v;
	e->next = conf->head;
	conf->head = e;
	return 0;
}

int conf_load(const char *path, struct vas_conf **out)
{
	char section[128] = "";
	char line[4096];
	int lineno = 0, ret;
	FILE *f;

	ret = conf_new_empty(out);
	if (ret)
		return ret;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *sep;

		lineno++;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || (size_t)(end - s) >= sizeof(section)) {
				log_err("%s:%d: bad section header", path,
					lineno);
				ret = -EINVAL;
				goto out;
			}
			*end = '\0';
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			continue;
		}
		sep = strpbrk(s, ":=");
		if (!sep || !*section) {
			log_err("%s:%d: expected 'key: value' inside a section",
				path, lineno);
			ret = -EINVAL;
			goto out;
		}
		*sep = '\0';
		ret = conf_set(*out, section, trim(s), trim(sep + 1));
		if (ret)
			goto out;
	}
out:
	fclose(f);
	if (ret) {
		conf_free(*out);
		*out = NULL;
	}
	return ret;
}

void conf_free(struct vas_conf *conf)
{
	struct conf_entry *e, *next;

	if (!conf)
		return;
	for (e = conf->head; e; e = next) {
		next = e->next;
		free(e->section);
		free(e->key);
		free(e->value);
		free(e);
	}
	free(conf);
}

const char *conf_get(const struct vas_conf *conf, const char *section,
		     const char *key)
{
	struct conf_entry *e = conf ? find(conf, section, key) : NULL;

	return e ? e->value : NULL;
}

const char *conf_get_str(const struct vas_conf *conf, const char *section,
			 const char *key, const char *def)
{
	const char *v = conf_get(conf, section, key);

	return v ? v : def;
}

int conf_get_long(const struct vas_conf *conf, const char *section,
		  const char *key, long def, long min, long max, long *out)
{
	const char *v = conf_get(conf, section, key);
	char *end;
	long n;

	if (!v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max) {
		log_err("[%s] %s: '%s' is not an integer in %ld..%ld", section,
			key, v, min, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}
