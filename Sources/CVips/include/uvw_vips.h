/* libvips for Swift: its operations are variadic `(..., NULL)` calls, which Swift cannot make, so these
 * typed wrappers stand in for the ones the image plugin uses. Images are opaque here (`uvw_vips_image`),
 * so this header needs neither <vips/vips.h> nor glib's include paths: only vips_shim.c includes them.
 *
 * Conventions: functions returning int give 0 on success and -1 on failure, with the reason in libvips'
 * error buffer (uvw_vips_error_copy). A new image comes back through `out` with one reference owned by the
 * caller (release it with uvw_vips_unref). Enum arguments are libvips' own nicknames ("lanczos3",
 * "entropy", "srgb", "centre"...), converted with vips_enum_from_nick, so no enum is duplicated here. */
#ifndef UVW_VIPS_H
#define UVW_VIPS_H

#include <stddef.h>
#include <stdint.h>

typedef struct _VipsImage uvw_vips_image;

/* --- Setup ---------------------------------------------------------------------------------------- */

/* vips_init once per process (later calls return the first result), then the hardening: untrusted
 * operations blocked, every loader blocked except jpeg/png/webp/gif/tiff/heif, the operation cache off
 * (a multi-tenant worker must not keep one task's pixels for the next). Thread-safe. */
int uvw_vips_setup(void);
/* Worker threads per pipeline (vips_concurrency_set: process-wide). */
void uvw_vips_set_concurrency(int threads);

/* --- Errors --------------------------------------------------------------------------------------- */

/* A malloc'ed copy of libvips' error buffer (free with free()), then clears it. The buffer is
 * process-wide, so under concurrent tasks a message can include another task's text. */
char *uvw_vips_error_copy(void);

/* --- Memory --------------------------------------------------------------------------------------- */

void uvw_vips_unref(uvw_vips_image *image);
/* Frees a buffer returned by uvw_vips_save or uvw_vips_pixels (g_free). */
void uvw_vips_free(void *buffer);

/* --- Loading -------------------------------------------------------------------------------------- */

/* The loader nickname libvips would pick for these bytes ("jpegload_buffer", "svgload_buffer"), or NULL
 * when none recognises them (blocked loaders included). Reads only the first bytes; decodes nothing. */
const char *uvw_vips_find_loader(const void *data, size_t length);
/* A lazily decoded image: only the header is read here. The bytes are copied (the copy lives as long as
 * the image). `sequential` chooses access=sequential (one top-to-bottom pass, low memory); fail_on=error
 * makes truncated or damaged pixel data an error instead of grey rows; `strict` 1 uses fail_on=warning,
 * which also refuses what libjpeg only warns about ("Corrupt JPEG data"). `page` (0-based) is the frame.
 * `jpeg_shrink` 2, 4 or 8 (JPEG only) has libjpeg decode at 1/2, 1/4 or 1/8 of the size, in the DCT. */
int uvw_vips_load(const void *data, size_t length, int sequential, int strict, int page, int jpeg_shrink,
                  uvw_vips_image **out);
/* The shrink-on-load thumbnail (vips_thumbnail_buffer): the loader decodes at a reduced size where it can
 * (JPEG DCT scaling, WebP). `crop` is an interesting nick or NULL; `size` is "down", "both", "force"... */
int uvw_vips_thumbnail_buffer(const void *data, size_t length, int width, int height, const char *crop,
                              const char *size, int strict, uvw_vips_image **out);

/* --- Header (no pixels decoded) ------------------------------------------------------------------- */

int uvw_vips_width(const uvw_vips_image *image);
int uvw_vips_height(const uvw_vips_image *image);
int uvw_vips_bands(const uvw_vips_image *image);
/* Band format nick ("uchar", "ushort", "float"...) and interpretation nick ("srgb", "b-w", "cmyk"...). */
const char *uvw_vips_format(const uvw_vips_image *image);
const char *uvw_vips_interpretation(const uvw_vips_image *image);
int uvw_vips_has_alpha(uvw_vips_image *image);
int uvw_vips_n_pages(uvw_vips_image *image);
/* EXIF orientation 1-8 (1 when absent). */
int uvw_vips_orientation(uvw_vips_image *image);
/* Pixels per millimetre, as libvips stores resolution. */
double uvw_vips_xres(const uvw_vips_image *image);
double uvw_vips_yres(const uvw_vips_image *image);
int uvw_vips_has_field(uvw_vips_image *image, const char *name);
/* A field as a string (vips_image_get_as_string): malloc'ed copy, free with uvw_vips_free; NULL if absent. */
char *uvw_vips_field_string(uvw_vips_image *image, const char *name);

/* --- Geometry ------------------------------------------------------------------------------------- */

int uvw_vips_resize(uvw_vips_image *in, double hscale, double vscale, const char *kernel, uvw_vips_image **out);
/* vips_thumbnail_image: an already decoded image (no shrink-on-load). */
int uvw_vips_thumbnail_image(uvw_vips_image *in, int width, int height, const char *crop, const char *size,
                             uvw_vips_image **out);
int uvw_vips_extract_area(uvw_vips_image *in, int left, int top, int width, int height, uvw_vips_image **out);
/* `interesting`: "centre", "entropy", "attention", "low", "high". */
int uvw_vips_smartcrop(uvw_vips_image *in, int width, int height, const char *interesting, uvw_vips_image **out);
/* Multiples of 90 use vips_rot (exact, no interpolation); anything else vips_rotate with `background`
 * (`n_background` values, one per band or one for all). */
int uvw_vips_rotate(uvw_vips_image *in, double angle, const double *background, int n_background,
                    uvw_vips_image **out);
int uvw_vips_autorot(uvw_vips_image *in, uvw_vips_image **out);
/* `horizontal` 1: mirror left-right (flop); 0: upside down (flip). */
int uvw_vips_flip(uvw_vips_image *in, int horizontal, uvw_vips_image **out);
/* vips_embed with `extend` nick ("black", "copy", "repeat", "mirror", "white", "background"). */
int uvw_vips_embed(uvw_vips_image *in, int x, int y, int width, int height, const char *extend,
                   const double *background, int n_background, uvw_vips_image **out);
/* vips_gravity: `direction` is a compass nick ("centre", "north", "south-east"...). */
int uvw_vips_gravity(uvw_vips_image *in, const char *direction, int width, int height, const char *extend,
                     const double *background, int n_background, uvw_vips_image **out);

/* --- Pixels --------------------------------------------------------------------------------------- */

int uvw_vips_gaussblur(uvw_vips_image *in, double sigma, uvw_vips_image **out);
int uvw_vips_sharpen(uvw_vips_image *in, double sigma, uvw_vips_image **out);
/* `space`: interpretation nick ("srgb", "b-w", "lab", "scrgb"...). */
int uvw_vips_colourspace(uvw_vips_image *in, const char *space, uvw_vips_image **out);
int uvw_vips_invert(uvw_vips_image *in, uvw_vips_image **out);
/* An opaque alpha band appended (the format's maximum: 255 for uchar, 65535 for ushort). */
int uvw_vips_addalpha(uvw_vips_image *in, uvw_vips_image **out);
/* `op`: relational nick ("more", "moreeq", "less"...) against one constant: 255 where true, else 0. */
int uvw_vips_relational_const(uvw_vips_image *in, const char *op, double value, uvw_vips_image **out);
/* out = in * a + b per band (`n` values each, or 1 for all); `uchar` 1 casts the result back to uchar. */
int uvw_vips_linear(uvw_vips_image *in, const double *a, const double *b, int n, int uchar, uvw_vips_image **out);
int uvw_vips_gamma(uvw_vips_image *in, double exponent, uvw_vips_image **out);
/* `matrix` is rows x cols, row-major: each output band is a row's weighted sum of the input bands. */
int uvw_vips_recomb(uvw_vips_image *in, const double *matrix, int rows, int cols, uvw_vips_image **out);
/* `format`: band format nick ("uchar", "float"...); out-of-range values clip. */
int uvw_vips_cast(uvw_vips_image *in, const char *format, uvw_vips_image **out);
int uvw_vips_extract_band(uvw_vips_image *in, int band, int n, uvw_vips_image **out);
int uvw_vips_bandjoin2(uvw_vips_image *a, uvw_vips_image *b, uvw_vips_image **out);
/* Alpha removed by blending onto `background` (one value per colour band, or one for all). */
int uvw_vips_flatten(uvw_vips_image *in, const double *background, int n_background, uvw_vips_image **out);
/* `overlay` blended OVER `base` at (x, y), its alpha scaled by `opacity` (0-1). */
int uvw_vips_composite_over(uvw_vips_image *base, uvw_vips_image *overlay, int x, int y, double opacity,
                            uvw_vips_image **out);
/* Convolution with a rows x cols float mask, computed in float (no rounding to the input's format). */
int uvw_vips_conv(uvw_vips_image *in, const double *mask, int rows, int cols, uvw_vips_image **out);

/* --- Measurements --------------------------------------------------------------------------------- */

/* vips_stats: a (bands + 1) x 10 matrix, row-major, copied into `values` (capacity in doubles).
 * Row 0 is all bands together, row 1 + b is band b; columns: min, max, sum, sum of squares, mean,
 * deviation, x/y of min, x/y of max. Returns the number of rows, or -1. */
int uvw_vips_stats(uvw_vips_image *in, double *values, int capacity);
/* vips_hist_find of one band (`band`, or -1 for all bands): counts copied into `counts` (capacity
 * entries). Returns the number of bins x bands written, or -1. uchar input gives 256 bins a band. */
int uvw_vips_hist_find(uvw_vips_image *in, int band, double *counts, int capacity);
/* The decoded pixels, band-interleaved, row-major (vips_image_write_to_memory). Free with uvw_vips_free. */
void *uvw_vips_pixels(uvw_vips_image *in, size_t *length);

/* --- Cancellation -------------------------------------------------------------------------------- */

/* Asked from libvips' worker threads while `image` is computed; nonzero stops the computation. */
typedef int (*uvw_vips_should_stop)(void *context);
/* Turns on progress for `image` and stops its computation (the write fails) once `should_stop` says so;
 * the kill flag lands on the image libvips is computing, which for a save is the saver's own copy.
 * Returns a handle for uvw_vips_unwatch, which must be called before `context` goes away. */
unsigned long uvw_vips_watch(uvw_vips_image *image, uvw_vips_should_stop should_stop, void *context);
void uvw_vips_unwatch(uvw_vips_image *image, unsigned long handle);

/* --- Saving --------------------------------------------------------------------------------------- */

/* 1 when this libvips has a buffer saver for `format` ("jpeg", "png", "webp", "gif", "tiff", "heif",
 * "avif"). AVIF also needs libheif's AV1 encoder, which only an attempt proves. */
int uvw_vips_saver_available(const char *format);
/* Encodes with quality `quality` (1-100; lossy formats only) and metadata stripped when `strip` is 1. */
int uvw_vips_save(uvw_vips_image *in, const char *format, int quality, int strip, void **buffer, size_t *length);

#endif
