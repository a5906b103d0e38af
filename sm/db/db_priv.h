#ifndef VAS_DB_PRIV_H
#define VAS_DB_PRIV_H
struct db_migration {
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];
#endif
