#ifndef UVW_CGUMBO_SHIM_H
#define UVW_CGUMBO_SHIM_H
// gumbo's public API (parse, tag names, destroy).
#include <gumbo.h>
#endif
