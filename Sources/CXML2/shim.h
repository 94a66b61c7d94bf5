#ifndef UVW_CXML2_SHIM_H
#define UVW_CXML2_SHIM_H
// libxml2's streaming reader: one pass over a part, no libxml2 tree kept, depth known at every node.
#include <libxml/xmlreader.h>
#endif
