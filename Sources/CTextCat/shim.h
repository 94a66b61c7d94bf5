#ifndef UVW_CTEXTCAT_SHIM_H
#define UVW_CTEXTCAT_SHIM_H
// libexttextcat (Debian's libexttextcat-dev, BSD-3): the n-gram language identifier LibreOffice uses.
#include <textcat.h>
#endif
