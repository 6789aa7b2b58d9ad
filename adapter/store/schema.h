/* schema.h -- the ordered migrations of the store (store_schema.c). */
#ifndef MAMORI_STORE_SCHEMA_H
#define MAMORI_STORE_SCHEMA_H

/* Number of migrations = the schema version this build writes. */
int mamori_schema_count(void);

/* SQL that takes the schema from version-1 to version (1-based), or NULL. */
const char *mamori_schema_migration(int version);

#endif
