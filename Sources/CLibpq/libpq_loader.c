/* libpq for the host, loaded on first use (see uvw_lazy_library.h): the PQ* functions the host
 * calls are defined here and forward to libpq.so.5 once PQconnectdb has loaded it. */
#include "uvw_libpq.h"
#include "uvw_lazy_library.h"

#define UVW_PQ_FUNCTIONS(X) \
    X(PQconnectdb) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQexec) X(PQexecParams) \
    X(PQresultStatus) X(PQresultErrorMessage) X(PQresultErrorField) X(PQntuples) X(PQnfields) \
    X(PQfname) X(PQgetvalue) X(PQgetisnull) X(PQcmdTuples) X(PQclear)

UVW_LAZY_LIBRARY_DEFINE(libpq, "libpq.so.5", UVW_PQ_FUNCTIONS)

const char *uvw_pq_load_error(void) { return uvw_lazy_library_load(&libpq); }

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
