/* Proves the loader block inside libvips, under the Swift allowlist: libvips still *recognises* svg and pdf
 * (vips_foreign_find_load_buffer ignores the block), but loading them fails with "operation is blocked". */
#include <stdio.h>
#include <string.h>
#include "uvw_vips.h"

static int check(const char *label, const char *data) {
    uvw_vips_image *image = NULL;
    const char *loader = uvw_vips_find_loader(data, strlen(data));
    int status = uvw_vips_load(data, strlen(data), 1, 0, 0, 1, &image);
    char *error = uvw_vips_error_copy();
    printf("%s loader=%s status=%d error=%s", label, loader ? loader : "(none)", status, error);
    return status == -1 && strstr(error, "operation is blocked") ? 0 : 1;
}

int main(void) {
    if (uvw_vips_setup()) return 2;
    int failures = check("svg", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>");
    failures += check("pdf", "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
    return failures;
}
