#include "uvw_lazy_library.h"

#include <dlfcn.h>
#include <stdio.h>

const char *uvw_lazy_library_load(uvw_lazy_library *library) {
    pthread_mutex_lock(&library->lock);
    if (!library->attempted) {
        library->attempted = 1;
        void *handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            snprintf(library->error_text, sizeof library->error_text, "%s", dlerror());
            library->error = library->error_text;
        } else {
            size_t resolved = 0;
            for (; resolved < library->count; resolved++) {
                void *address = dlsym(handle, library->names[resolved]);
                if (!address) break;
                *library->slots[resolved] = address;
            }
            if (resolved == library->count) {
                library->error = NULL;
            } else {
                snprintf(library->error_text, sizeof library->error_text, "%s lacks %s", library->soname, library->names[resolved]);
                library->error = library->error_text;
                /* All or none: a half-resolved library is never used. */
                for (size_t i = 0; i < resolved; i++) *library->slots[i] = NULL;
            }
        }
    }
    const char *error = library->error;
    pthread_mutex_unlock(&library->lock);
    return error;
}
