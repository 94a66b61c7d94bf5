/* libpq for the host, loaded on first use: libpq.so.5 (and the TLS/Kerberos/LDAP libraries it
 * needs) is dlopen'ed only when a PostgreSQL connection is opened, so a worker without
 * DATABASE_URL never maps them. The PQ* functions the host calls are defined in libpq_loader.c
 * and forward to the loaded library. */
#ifndef UVW_LIBPQ_H
#define UVW_LIBPQ_H

#include <postgresql/libpq-fe.h>

/* Why libpq.so.5 could not be loaded (dlerror), or NULL when it is loaded. Loads it if needed. */
const char *uvw_pq_load_error(void);

#endif
