#ifndef UVW_CGUMBO_SHIM_H
#define UVW_CGUMBO_SHIM_H
// gumbo's public API (parse, tag names, destroy).
#include <gumbo.h>
// glibc's iconv: converting declared non-UTF-8 charsets before gumbo (which only reads UTF-8) sees the bytes.
#include <iconv.h>
#include <errno.h>
#endif
