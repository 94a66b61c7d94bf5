#include "uvw_libpq.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#define UVW_PQ_FUNCTIONS(X) \
    X(PQconnectdb) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexec) X(PQexecParams) \
    X(PQresultStatus) X(PQresultErrorMessage) X(PQresultErrorField) X(PQntuples) X(PQnfields) \
    X(PQfname) X(PQgetvalue) X(PQgetisnull) X(PQcmdTuples) X(PQclear)

#define UVW_DECLARE(name) static __typeof__(&name) p_##name;
UVW_PQ_FUNCTIONS(UVW_DECLARE)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error = "libpq.so.5 not loaded";
static char load_error_text[512];

static void load(void) {
    void *lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error_text, sizeof load_error_text, "%s", dlerror());
        load_error = load_error_text;
        return;
    }
#define UVW_RESOLVE(name) \
    if (!(p_##name = (__typeof__(&name))dlsym(lib, #name))) { load_error = "libpq.so.5 lacks " #name; return; }
    UVW_PQ_FUNCTIONS(UVW_RESOLVE)
    load_error = NULL;
}

const char *uvw_pq_load_error(void) {
    pthread_once(&once, load);
    return load_error;
}

/* Only PQconnectdb loads the library; every other call needs a connection or result it returned. */
#define HIDDEN __attribute__((visibility("hidden")))
HIDDEN PGconn *PQconnectdb(const char *conninfo) { return uvw_pq_load_error() ? NULL : p_PQconnectdb(conninfo); }
HIDDEN ConnStatusType PQstatus(const PGconn *conn) { return p_PQstatus ? p_PQstatus(conn) : CONNECTION_BAD; }
HIDDEN char *PQerrorMessage(const PGconn *conn) { return p_PQerrorMessage ? p_PQerrorMessage(conn) : (char *)""; }
HIDDEN void PQfinish(PGconn *conn) { if (p_PQfinish) p_PQfinish(conn); }
HIDDEN PGresult *PQexec(PGconn *conn, const char *query) { return p_PQexec ? p_PQexec(conn, query) : NULL; }
HIDDEN PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                              const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat) {
    return p_PQexecParams ? p_PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat) : NULL;
}
HIDDEN ExecStatusType PQresultStatus(const PGresult *res) { return p_PQresultStatus ? p_PQresultStatus(res) : PGRES_FATAL_ERROR; }
HIDDEN char *PQresultErrorMessage(const PGresult *res) { return p_PQresultErrorMessage ? p_PQresultErrorMessage(res) : (char *)""; }
HIDDEN char *PQresultErrorField(const PGresult *res, int fieldcode) { return p_PQresultErrorField ? p_PQresultErrorField(res, fieldcode) : NULL; }
HIDDEN int PQntuples(const PGresult *res) { return p_PQntuples ? p_PQntuples(res) : 0; }
HIDDEN int PQnfields(const PGresult *res) { return p_PQnfields ? p_PQnfields(res) : 0; }
HIDDEN char *PQfname(const PGresult *res, int field_num) { return p_PQfname ? p_PQfname(res, field_num) : NULL; }
HIDDEN char *PQgetvalue(const PGresult *res, int tup_num, int field_num) { return p_PQgetvalue ? p_PQgetvalue(res, tup_num, field_num) : NULL; }
HIDDEN int PQgetisnull(const PGresult *res, int tup_num, int field_num) { return p_PQgetisnull ? p_PQgetisnull(res, tup_num, field_num) : 1; }
HIDDEN char *PQcmdTuples(PGresult *res) { return p_PQcmdTuples ? p_PQcmdTuples(res) : (char *)""; }
HIDDEN void PQclear(PGresult *res) { if (p_PQclear) p_PQclear(res); }
