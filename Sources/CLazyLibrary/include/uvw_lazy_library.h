/* A shared library loaded on first use, for the system libraries the worker and its plugins use
 * only sometimes (libpq without DATABASE_URL, libcurl before a plugin's first transfer): dlopen'ed
 * by the first call that needs it, so a process that never uses it never maps it (nor the TLS,
 * Kerberos and LDAP libraries it pulls in).
 *
 * A loader lists the functions it forwards and defines the library with one macro:
 *
 *   #define MY_FUNCTIONS(X) X(PQconnectdb) X(PQfinish)
 *   UVW_LAZY_LIBRARY_DEFINE(libpq, "libpq.so.5", MY_FUNCTIONS)
 *
 * which declares `static __typeof__(&PQconnectdb) p_PQconnectdb;` and so on, and a library
 * `libpq` whose uvw_lazy_library_load() resolves them all (or none) and says why not. */
#ifndef UVW_LAZY_LIBRARY_H
#define UVW_LAZY_LIBRARY_H

#include <pthread.h>
#include <stddef.h>

typedef struct uvw_lazy_library {
    const char *soname;
    const char *const *names; /* the functions to resolve */
    void **const *slots;      /* where each one's address goes */
    size_t count;
    pthread_mutex_t lock;
    int attempted;
    const char *error;        /* why it is not loaded; NULL once it is */
    char error_text[512];
} uvw_lazy_library;

/* Loads the library and resolves every function the first time it is called; later calls return
 * at once. Returns NULL when the library is loaded, else why it is not (dlerror's text, or the
 * first function it lacks). [any thread] */
const char *uvw_lazy_library_load(uvw_lazy_library *library);

#define UVW_LAZY_DECLARE_(name) static __typeof__(&name) p_##name;
#define UVW_LAZY_NAME_(name) #name,
#define UVW_LAZY_SLOT_(name) (void **)&p_##name,

#define UVW_LAZY_LIBRARY_DEFINE(variable, so, FUNCTIONS)                                      \
    FUNCTIONS(UVW_LAZY_DECLARE_)                                                             \
    static const char *const variable##_names[] = { FUNCTIONS(UVW_LAZY_NAME_) };             \
    static void **const variable##_slots[] = { FUNCTIONS(UVW_LAZY_SLOT_) };                  \
    static uvw_lazy_library variable = {                                                     \
        .soname = so, .names = variable##_names, .slots = variable##_slots,                  \
        .count = sizeof variable##_names / sizeof variable##_names[0],                       \
        .lock = PTHREAD_MUTEX_INITIALIZER, .attempted = 0, .error = so " not loaded" };

#endif
