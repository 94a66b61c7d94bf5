#ifndef UVW_CXML2_SHIM_H
#define UVW_CXML2_SHIM_H
// libxml2's streaming reader: one pass over a part, no libxml2 tree kept, depth known at every node.
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU, so encoding.h would include <unicode/ucnv.h>: in a module that
// also sees Foundation (PluginKit's, in the documents plugin), Clang then finds two different
// UErrorCode enums (the system ICU's and Foundation's private copy) and refuses both. Nothing here
// touches the ICU converter fields that macro adds at the end of xmlCharEncodingHandler (libxml2
// allocates those structs; Swift only holds pointers), so the headers are read without it.
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#endif
