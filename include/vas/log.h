/* Logging to stderr (and optionally syslog), one line per record. */
#ifndef VAS_LOG_H
#define VAS_LOG_H

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *program, enum log_level level, int use_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses ERROR/WARN/WARNING/INFO/DEBUG/CRITICAL/FATAL; unknown -> INFO. */
enum log_level log_level_parse(const char *s);

void log_write(enum log_level level, const char *func, int line,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_err(...)  log_write(LOG_LVL_ERR, __func__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LVL_WARN, __func__, __LINE__, __VA_ARGS__)
#define log_info(...) log_write(LOG_LVL_INFO, __func__, __LINE__, __VA_ARGS__)
#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_get_level() >= LOG_LVL_DEBUG)                          \
			log_write(LOG_LVL_DEBUG, __func__, __LINE__,           \
				  __VA_ARGS__);                                \
	} while (0)

#endif
