/* Typed wrappers over libvips' variadic operations; see include/uvw_vips.h for the contract. */
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include "uvw_vips.h"

/* --- Setup ---------------------------------------------------------------------------------------- */

static int setup_result = -1;

static gpointer setup_once(gpointer unused) {
    (void)unused;
    if (VIPS_INIT("uvw-image")) {
        setup_result = -1;
        return NULL;
    }
    /* Untrusted loaders (matload, fitsload, magick...) are blocked first; then every loader, and only the
     * allowlisted families are let back in. Unblocking a parent class unblocks its file, buffer and
     * source variants. svgload and pdfload (librsvg, poppler: large parsers) stay blocked. */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    static const char *allowed[] = {
        "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif",
        "VipsForeignLoadTiff", "VipsForeignLoadHeif",
    };
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        vips_operation_block_set(allowed[i], FALSE);
    /* The operation cache would keep one task's decoded regions alive for the next task. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    setup_result = 0;
    return NULL;
}

int uvw_vips_setup(void) {
    static GOnce once = G_ONCE_INIT;
    g_once(&once, setup_once, NULL);
    return setup_result;
}

void uvw_vips_set_concurrency(int threads) { vips_concurrency_set(threads > 0 ? threads : 1); }

/* --- Errors, memory ------------------------------------------------------------------------------- */

char *uvw_vips_error_copy(void) {
    char *copy = strdup(vips_error_buffer());
    vips_error_clear();
    return copy;
}

void uvw_vips_unref(uvw_vips_image *image) {
    if (image) g_object_unref(image);
}

void uvw_vips_free(void *buffer) { g_free(buffer); }

/* Enum nicks: an unknown nick is an error in vips' buffer, so callers fail with a readable message. */
static int nick(GType type, const char *value, int *result) {
    int v = vips_enum_from_nick("uvw", type, value);
    if (v < 0) return -1;
    *result = v;
    return 0;
}

static VipsArrayDouble *double_array(const double *values, int n) {
    static const double zero = 0;
    return n > 0 && values ? vips_array_double_new(values, n) : vips_array_double_new(&zero, 1);
}

/* --- Loading -------------------------------------------------------------------------------------- */

const char *uvw_vips_find_loader(const void *data, size_t length) {
    const char *name = vips_foreign_find_load_buffer(data, length);
    /* "not a known buffer format" is expected for refused input; callers report their own error. */
    if (!name) vips_error_clear();
    return name;
}

static void free_copy(VipsImage *image, gpointer copy) {
    (void)image;
    g_free(copy);
}

/* vips_image_new_from_buffer does not copy: the bytes must outlive every image computed from them, and
 * Swift arrays can move. One copy, freed when the loaded image closes (after everything downstream). */
static void *copy_bytes(const void *data, size_t length) {
    void *copy = g_malloc(length ? length : 1);
    memcpy(copy, data, length);
    return copy;
}

int uvw_vips_load(const void *data, size_t length, int sequential, int strict, int page, int jpeg_shrink,
                  uvw_vips_image **out) {
    void *copy = copy_bytes(data, length);
    VipsFailOn fail = strict ? VIPS_FAIL_ON_WARNING : VIPS_FAIL_ON_ERROR;
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    VipsImage *image = page > 0
        ? vips_image_new_from_buffer(copy, length, "", "access", access, "fail_on", fail,
                                     "page", page, NULL)
        : jpeg_shrink > 1
        ? vips_image_new_from_buffer(copy, length, "", "access", access, "fail_on", fail,
                                     "shrink", jpeg_shrink, NULL)
        : vips_image_new_from_buffer(copy, length, "", "access", access, "fail_on", fail, NULL);
    if (!image) {
        g_free(copy);
        return -1;
    }
    g_signal_connect(image, "postclose", G_CALLBACK(free_copy), copy);
    *out = image;
    return 0;
}

int uvw_vips_thumbnail_buffer(const void *data, size_t length, int width, int height, const char *crop,
                              const char *size, int strict, uvw_vips_image **out) {
    int interesting = VIPS_INTERESTING_NONE, sz = VIPS_SIZE_BOTH;
    if (crop && nick(VIPS_TYPE_INTERESTING, crop, &interesting)) return -1;
    if (size && nick(VIPS_TYPE_SIZE, size, &sz)) return -1;
    void *copy = copy_bytes(data, length);
    VipsImage *image = NULL;
    if (vips_thumbnail_buffer(copy, length, &image, width, "height", height, "crop", interesting, "size", sz,
                              "option_string", strict ? "fail_on=warning" : "fail_on=error", NULL)) {
        g_free(copy);
        return -1;
    }
    g_signal_connect(image, "postclose", G_CALLBACK(free_copy), copy);
    *out = image;
    return 0;
}

/* --- Header --------------------------------------------------------------------------------------- */

int uvw_vips_width(const uvw_vips_image *image) { return vips_image_get_width(image); }
int uvw_vips_height(const uvw_vips_image *image) { return vips_image_get_height(image); }
int uvw_vips_bands(const uvw_vips_image *image) { return vips_image_get_bands(image); }
const char *uvw_vips_format(const uvw_vips_image *image) {
    return vips_enum_nick(VIPS_TYPE_BAND_FORMAT, vips_image_get_format(image));
}
const char *uvw_vips_interpretation(const uvw_vips_image *image) {
    return vips_enum_nick(VIPS_TYPE_INTERPRETATION, vips_image_get_interpretation(image));
}
int uvw_vips_has_alpha(uvw_vips_image *image) { return vips_image_hasalpha(image); }
int uvw_vips_n_pages(uvw_vips_image *image) { return vips_image_get_n_pages(image); }
int uvw_vips_orientation(uvw_vips_image *image) { return vips_image_get_orientation(image); }
double uvw_vips_xres(const uvw_vips_image *image) { return vips_image_get_xres(image); }
double uvw_vips_yres(const uvw_vips_image *image) { return vips_image_get_yres(image); }
int uvw_vips_has_field(uvw_vips_image *image, const char *name) {
    return vips_image_get_typeof(image, name) != 0;
}
char *uvw_vips_field_string(uvw_vips_image *image, const char *name) {
    char *value = NULL;
    if (!vips_image_get_typeof(image, name)) return NULL;
    if (vips_image_get_as_string(image, name, &value)) {
        vips_error_clear();
        return NULL;
    }
    return value;
}

/* --- Geometry ------------------------------------------------------------------------------------- */

int uvw_vips_resize(uvw_vips_image *in, double hscale, double vscale, const char *kernel, uvw_vips_image **out) {
    int k = VIPS_KERNEL_LANCZOS3;
    if (kernel && nick(VIPS_TYPE_KERNEL, kernel, &k)) return -1;
    return vips_resize(in, out, hscale, "vscale", vscale, "kernel", k, NULL);
}

int uvw_vips_thumbnail_image(uvw_vips_image *in, int width, int height, const char *crop, const char *size,
                             uvw_vips_image **out) {
    int interesting = VIPS_INTERESTING_NONE, sz = VIPS_SIZE_BOTH;
    if (crop && nick(VIPS_TYPE_INTERESTING, crop, &interesting)) return -1;
    if (size && nick(VIPS_TYPE_SIZE, size, &sz)) return -1;
    return vips_thumbnail_image(in, out, width, "height", height, "crop", interesting, "size", sz, NULL);
}

int uvw_vips_extract_area(uvw_vips_image *in, int left, int top, int width, int height, uvw_vips_image **out) {
    return vips_extract_area(in, out, left, top, width, height, NULL);
}

int uvw_vips_smartcrop(uvw_vips_image *in, int width, int height, const char *interesting, uvw_vips_image **out) {
    int i = VIPS_INTERESTING_CENTRE;
    if (interesting && nick(VIPS_TYPE_INTERESTING, interesting, &i)) return -1;
    return vips_smartcrop(in, out, width, height, "interesting", i, NULL);
}

int uvw_vips_rotate(uvw_vips_image *in, double angle, const double *background, int n_background,
                    uvw_vips_image **out) {
    double a = fmod(angle, 360.0);
    if (a < 0) a += 360.0;
    if (a == 0) return vips_copy(in, out, NULL);
    if (a == 90) return vips_rot(in, out, VIPS_ANGLE_D90, NULL);
    if (a == 180) return vips_rot(in, out, VIPS_ANGLE_D180, NULL);
    if (a == 270) return vips_rot(in, out, VIPS_ANGLE_D270, NULL);
    VipsArrayDouble *bg = double_array(background, n_background);
    int result = vips_rotate(in, out, a, "background", bg, NULL);
    vips_area_unref(VIPS_AREA(bg));
    return result;
}

int uvw_vips_autorot(uvw_vips_image *in, uvw_vips_image **out) { return vips_autorot(in, out, NULL); }

int uvw_vips_flip(uvw_vips_image *in, int horizontal, uvw_vips_image **out) {
    return vips_flip(in, out, horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL, NULL);
}

int uvw_vips_embed(uvw_vips_image *in, int x, int y, int width, int height, const char *extend,
                   const double *background, int n_background, uvw_vips_image **out) {
    int e = VIPS_EXTEND_BLACK;
    if (extend && nick(VIPS_TYPE_EXTEND, extend, &e)) return -1;
    VipsArrayDouble *bg = double_array(background, n_background);
    int result = vips_embed(in, out, x, y, width, height, "extend", e, "background", bg, NULL);
    vips_area_unref(VIPS_AREA(bg));
    return result;
}

int uvw_vips_gravity(uvw_vips_image *in, const char *direction, int width, int height, const char *extend,
                     const double *background, int n_background, uvw_vips_image **out) {
    int d = VIPS_COMPASS_DIRECTION_CENTRE, e = VIPS_EXTEND_BLACK;
    if (direction && nick(VIPS_TYPE_COMPASS_DIRECTION, direction, &d)) return -1;
    if (extend && nick(VIPS_TYPE_EXTEND, extend, &e)) return -1;
    VipsArrayDouble *bg = double_array(background, n_background);
    int result = vips_gravity(in, out, d, width, height, "extend", e, "background", bg, NULL);
    vips_area_unref(VIPS_AREA(bg));
    return result;
}

/* --- Pixels --------------------------------------------------------------------------------------- */

int uvw_vips_gaussblur(uvw_vips_image *in, double sigma, uvw_vips_image **out) {
    return vips_gaussblur(in, out, sigma, NULL);
}

int uvw_vips_sharpen(uvw_vips_image *in, double sigma, uvw_vips_image **out) {
    return vips_sharpen(in, out, "sigma", sigma, NULL);
}

int uvw_vips_colourspace(uvw_vips_image *in, const char *space, uvw_vips_image **out) {
    int s = 0;
    if (nick(VIPS_TYPE_INTERPRETATION, space, &s)) return -1;
    return vips_colourspace(in, out, s, NULL);
}

int uvw_vips_invert(uvw_vips_image *in, uvw_vips_image **out) { return vips_invert(in, out, NULL); }

int uvw_vips_addalpha(uvw_vips_image *in, uvw_vips_image **out) { return vips_addalpha(in, out, NULL); }

int uvw_vips_relational_const(uvw_vips_image *in, const char *op, double value, uvw_vips_image **out) {
    int o = 0;
    if (nick(VIPS_TYPE_OPERATION_RELATIONAL, op, &o)) return -1;
    return vips_relational_const1(in, out, o, value, NULL);
}

int uvw_vips_linear(uvw_vips_image *in, const double *a, const double *b, int n, int uchar, uvw_vips_image **out) {
    return vips_linear(in, out, (double *)a, (double *)b, n, "uchar", uchar, NULL);
}

int uvw_vips_gamma(uvw_vips_image *in, double exponent, uvw_vips_image **out) {
    return vips_gamma(in, out, "exponent", exponent, NULL);
}

int uvw_vips_recomb(uvw_vips_image *in, const double *matrix, int rows, int cols, uvw_vips_image **out) {
    VipsImage *m = vips_image_new_matrix_from_array(cols, rows, matrix, rows * cols);
    if (!m) return -1;
    int result = vips_recomb(in, out, m, NULL);
    g_object_unref(m);
    return result;
}

int uvw_vips_cast(uvw_vips_image *in, const char *format, uvw_vips_image **out) {
    int f = 0;
    if (nick(VIPS_TYPE_BAND_FORMAT, format, &f)) return -1;
    return vips_cast(in, out, f, NULL);
}

int uvw_vips_extract_band(uvw_vips_image *in, int band, int n, uvw_vips_image **out) {
    return vips_extract_band(in, out, band, "n", n, NULL);
}

int uvw_vips_bandjoin2(uvw_vips_image *a, uvw_vips_image *b, uvw_vips_image **out) {
    return vips_bandjoin2(a, b, out, NULL);
}

int uvw_vips_flatten(uvw_vips_image *in, const double *background, int n_background, uvw_vips_image **out) {
    VipsArrayDouble *bg = double_array(background, n_background);
    int result = vips_flatten(in, out, "background", bg, NULL);
    vips_area_unref(VIPS_AREA(bg));
    return result;
}

int uvw_vips_composite_over(uvw_vips_image *base, uvw_vips_image *overlay, int x, int y, double opacity,
                            uvw_vips_image **out) {
    VipsImage *withAlpha = NULL, *faded = NULL;
    if (vips_image_hasalpha(overlay)) {
        withAlpha = overlay;
        g_object_ref(withAlpha);
    } else if (vips_addalpha(overlay, &withAlpha, NULL)) {
        return -1;
    }
    /* Opacity scales the overlay's alpha band only; the colour bands keep their values. */
    int bands = vips_image_get_bands(withAlpha);
    double a[bands], b[bands];
    for (int i = 0; i < bands; i++) {
        a[i] = i == bands - 1 ? opacity : 1.0;
        b[i] = 0;
    }
    int result = vips_linear(withAlpha, &faded, a, b, bands, NULL);
    g_object_unref(withAlpha);
    if (result) return -1;
    VipsImage *cast = NULL;
    result = vips_cast(faded, &cast, vips_image_get_format(overlay), NULL);
    g_object_unref(faded);
    if (result) return -1;
    result = vips_composite2(base, cast, out, VIPS_BLEND_MODE_OVER, "x", x, "y", y, NULL);
    g_object_unref(cast);
    return result;
}

int uvw_vips_conv(uvw_vips_image *in, const double *mask, int rows, int cols, uvw_vips_image **out) {
    VipsImage *m = vips_image_new_matrix_from_array(cols, rows, mask, rows * cols);
    if (!m) return -1;
    int result = vips_conv(in, out, m, "precision", VIPS_PRECISION_FLOAT, NULL);
    g_object_unref(m);
    return result;
}

/* --- Measurements --------------------------------------------------------------------------------- */

/* A small image (stats, histogram) as doubles, whatever its band format. */
static int copy_doubles(VipsImage *in, double *values, int capacity) {
    VipsImage *d = NULL;
    if (vips_cast(in, &d, VIPS_FORMAT_DOUBLE, NULL)) return -1;
    size_t size = 0;
    double *data = vips_image_write_to_memory(d, &size);
    g_object_unref(d);
    if (!data) return -1;
    int n = (int)(size / sizeof(double));
    if (n > capacity) n = capacity;
    memcpy(values, data, (size_t)n * sizeof(double));
    g_free(data);
    return n;
}

int uvw_vips_stats(uvw_vips_image *in, double *values, int capacity) {
    VipsImage *s = NULL;
    if (vips_stats(in, &s, NULL)) return -1;
    int rows = vips_image_get_height(s);
    int n = copy_doubles(s, values, capacity);
    g_object_unref(s);
    return n < 0 ? -1 : rows;
}

int uvw_vips_hist_find(uvw_vips_image *in, int band, double *counts, int capacity) {
    VipsImage *h = NULL;
    if (vips_hist_find(in, &h, "band", band, NULL)) return -1;
    int n = copy_doubles(h, counts, capacity);
    g_object_unref(h);
    return n;
}

void *uvw_vips_pixels(uvw_vips_image *in, size_t *length) { return vips_image_write_to_memory(in, length); }

/* --- Saving --------------------------------------------------------------------------------------- */

static const char *saver_name(const char *format) {
    if (!strcmp(format, "jpeg")) return "jpegsave_buffer";
    if (!strcmp(format, "png")) return "pngsave_buffer";
    if (!strcmp(format, "webp")) return "webpsave_buffer";
    if (!strcmp(format, "gif")) return "gifsave_buffer";
    if (!strcmp(format, "tiff")) return "tiffsave_buffer";
    if (!strcmp(format, "heif") || !strcmp(format, "avif")) return "heifsave_buffer";
    return NULL;
}

/* --- Cancellation ---------------------------------------------------------------------------------- */

typedef struct {
    uvw_vips_should_stop should_stop;
    void *context;
} watch_t;

/* libvips emits "eval" on the image being computed every few tiles; setting its kill flag makes the
 * threadpool stop and the write fail (libvips' own progress-cancel example does the same). */
static void on_eval(VipsImage *image, VipsProgress *progress, watch_t *watch) {
    (void)progress;
    if (watch->should_stop(watch->context)) vips_image_set_kill(image, TRUE);
}

static void free_watch(gpointer data, GClosure *closure) {
    (void)closure;
    g_free(data);
}

unsigned long uvw_vips_watch(uvw_vips_image *image, uvw_vips_should_stop should_stop, void *context) {
    watch_t *watch = g_new(watch_t, 1);
    watch->should_stop = should_stop;
    watch->context = context;
    vips_image_set_progress(image, TRUE);
    return g_signal_connect_data(image, "eval", G_CALLBACK(on_eval), watch, free_watch, 0);
}

void uvw_vips_unwatch(uvw_vips_image *image, unsigned long handle) {
    g_signal_handler_disconnect(image, handle);
    vips_image_set_progress(image, FALSE);
}

int uvw_vips_saver_available(const char *format) {
    const char *name = saver_name(format);
    return name && vips_type_find("VipsOperation", name) != 0;
}

int uvw_vips_save(uvw_vips_image *in, const char *format, int quality, int strip, void **buffer, size_t *length) {
    if (!uvw_vips_saver_available(format)) {
        vips_error("uvw", "no saver for format %s", format);
        return -1;
    }
    gboolean s = strip ? TRUE : FALSE;
    if (!strcmp(format, "jpeg"))
        return vips_jpegsave_buffer(in, buffer, length, "Q", quality, "strip", s, NULL);
    if (!strcmp(format, "png"))
        return vips_pngsave_buffer(in, buffer, length, "compression", 6, "strip", s, NULL);
    if (!strcmp(format, "webp"))
        return vips_webpsave_buffer(in, buffer, length, "Q", quality, "strip", s, NULL);
    if (!strcmp(format, "gif"))
        return vips_gifsave_buffer(in, buffer, length, "strip", s, NULL);
    if (!strcmp(format, "tiff"))
        /* Deflate: lossless, so a TIFF round trip keeps every pixel. */
        return vips_tiffsave_buffer(in, buffer, length, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE,
                                    "strip", s, NULL);
    VipsForeignHeifCompression c =
        !strcmp(format, "avif") ? VIPS_FOREIGN_HEIF_COMPRESSION_AV1 : VIPS_FOREIGN_HEIF_COMPRESSION_HEVC;
    return vips_heifsave_buffer(in, buffer, length, "Q", quality, "compression", c, "strip", s, NULL);
}
