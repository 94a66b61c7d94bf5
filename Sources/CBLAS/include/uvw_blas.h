/* OpenBLAS's CBLAS interface (Debian's libopenblas-dev header), loaded on first use: libopenblas
 * is dlopen'ed by the first uvw_blas_load_error() call (see blas_loader.c), so a worker that never
 * runs an embedding never maps it nor starts its threads. */
#ifndef UVW_BLAS_H
#define UVW_BLAS_H

#include <cblas.h>

/* Loads libopenblas.so.0 with one BLAS thread (OPENBLAS_NUM_THREADS=1 unless the operator set it,
 * then openblas_set_num_threads(1)): on a shared VM, waking BLAS threads for the small matrices of
 * one sentence costs more than it gains, and tasks run side by side give the parallelism. Returns
 * NULL when loaded, else why not. Call it before any cblas_* function. [any thread] */
const char *uvw_blas_load_error(void);

#endif
