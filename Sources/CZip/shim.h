#ifndef UVW_CZIP_SHIM_H
#define UVW_CZIP_SHIM_H
// libzip's public API: zip_source_buffer_create + zip_open_from_source read an archive from memory.
#include <zip.h>
#endif
