#ifndef UVW_CUCHARDET_SHIM_H
#define UVW_CUCHARDET_SHIM_H
// uchardet (Debian's libuchardet-dev, MPL-1.1/GPL/LGPL): Mozilla's universal charset detector.
#include <uchardet.h>
#endif
