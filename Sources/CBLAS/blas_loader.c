/* libopenblas loaded on first use (see uvw_lazy_library.h and uvw_blas.h). The cblas_* functions
 * the plugin calls are defined here, hidden, and forward to the library. */
#include "uvw_blas.h"
#include "uvw_lazy_library.h"

#include <stdlib.h>

/* Only what the encoder calls; add a function here (and its forwarder below) to use it. */
#define UVW_BLAS_FUNCTIONS(X) X(cblas_sgemm) X(openblas_set_num_threads)

UVW_LAZY_LIBRARY_DEFINE(libopenblas, "libopenblas.so.0", UVW_BLAS_FUNCTIONS)

static pthread_once_t configured = PTHREAD_ONCE_INIT;
static const char *load_error;

static void load(void) {
    /* Read by OpenBLAS's constructor when dlopen runs it: with one thread it starts no pool at all. */
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    load_error = uvw_lazy_library_load(&libopenblas);
    if (!load_error) p_openblas_set_num_threads(1);
}

const char *uvw_blas_load_error(void) {
    pthread_once(&configured, load);
    return load_error;
}

#define HIDDEN __attribute__((visibility("hidden")))
HIDDEN void cblas_sgemm(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE transA,
                        OPENBLAS_CONST enum CBLAS_TRANSPOSE transB, OPENBLAS_CONST blasint m, OPENBLAS_CONST blasint n,
                        OPENBLAS_CONST blasint k, OPENBLAS_CONST float alpha, OPENBLAS_CONST float *a, OPENBLAS_CONST blasint lda,
                        OPENBLAS_CONST float *b, OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *c,
                        OPENBLAS_CONST blasint ldc) {
    p_cblas_sgemm(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
