"""Operations against Pillow and numpy: resize (LANCZOS, PSNR), sharp's fit rules, EXIF orientation,
geometry and filters pixel for pixel on PNG, and a round trip through every output format."""
import numpy as np
import pytest
from PIL import Image, ImageOps

from uvw_image import assert_upright, comparable, pixels, psnr, run

RESIZE_IMAGES = ["astronaut.png", "coffee.png", "chelsea.png", "camera.png", "rocket.jpg"]


@pytest.mark.parametrize("name", RESIZE_IMAGES)
@pytest.mark.parametrize("factor", [0.5, 0.3, 0.137])
def test_resize_matches_pillow_lanczos(uvw_image, skimage_data, tmp_path, name, factor):
    path = skimage_data / name
    with Image.open(path) as source:
        width = round(source.width * factor)
        height = round(source.height * factor)
        expected = np.asarray(source.resize((width, height), Image.LANCZOS))
    out = tmp_path / "out.png"
    report, _ = run(uvw_image, "resize", path, "--width", width, "--height", height, "--fit", "fill", "--format", "png", "-o", out)
    assert (report["width"], report["height"]) == (width, height)
    assert psnr(pixels(out), expected) >= 35


def _size(uvw_image, path, tmp_path, *args):
    report, _ = run(uvw_image, "resize", path, *args, "--format", "png", "-o", tmp_path / "fit.png")
    with Image.open(tmp_path / "fit.png") as image:
        assert image.size == (report["width"], report["height"])
    return report["width"], report["height"]


def test_fit_semantics(uvw_image, skimage_data, tmp_path):
    path = skimage_data / "chelsea.png"  # 451 x 300
    box = ("--width", "200", "--height", "200")
    assert _size(uvw_image, path, tmp_path, *box, "--fit", "cover") == (200, 200)
    assert _size(uvw_image, path, tmp_path, *box, "--fit", "contain") == (200, 200)
    assert _size(uvw_image, path, tmp_path, *box, "--fit", "fill") == (200, 200)
    assert _size(uvw_image, path, tmp_path, *box, "--fit", "inside") == (200, 133)
    assert _size(uvw_image, path, tmp_path, *box, "--fit", "outside") == (301, 200)
    assert _size(uvw_image, path, tmp_path, "--width", "100") == (100, 67)
    assert _size(uvw_image, path, tmp_path, "--height", "100") == (150, 100)
    assert _size(uvw_image, path, tmp_path, "--scale", "2") == (902, 600)
    big = ("--width", "1000", "--height", "1000", "--without-enlargement")
    assert _size(uvw_image, path, tmp_path, *big, "--fit", "inside") == (451, 300)
    assert _size(uvw_image, path, tmp_path, *big, "--fit", "cover") == (451, 300)
    assert _size(uvw_image, path, tmp_path, "--width", "1000", "--height", "1000", "--fit", "contain") == (1000, 1000)


def test_contain_pads_with_background(uvw_image, skimage_data, tmp_path):
    out = tmp_path / "contain.png"
    run(uvw_image, "resize", skimage_data / "chelsea.png", "--width", "200", "--height", "200", "--fit", "contain",
        "--background", "255,0,0", "-o", out)
    array = pixels(out)
    assert array[0, 100].tolist() == [255, 0, 0] and array[199, 100].tolist() == [255, 0, 0]


@pytest.mark.parametrize("position", ["entropy", "attention", "north", "centre"])
def test_cover_positions(uvw_image, skimage_data, tmp_path, position):
    out = tmp_path / "cover.png"
    report, _ = run(uvw_image, "resize", skimage_data / "astronaut.png", "--width", "300", "--height", "100",
                    "--position", position, "-o", out)
    assert (report["width"], report["height"]) == (300, 100)


@pytest.mark.parametrize("kernel", ["nearest", "linear", "cubic", "mitchell", "lanczos2", "lanczos3"])
def test_kernels(uvw_image, skimage_data, tmp_path, kernel):
    report, _ = run(uvw_image, "resize", skimage_data / "camera.png", "--width", "128", "--kernel", kernel, "-o", tmp_path / "k.png")
    assert report["width"] == 128


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_upright(uvw_image, pillow_images, tmp_path, orientation):
    path = pillow_images / ("hopper.jpg" if orientation == 1 else f"hopper_orientation_{orientation}.jpg")
    out = tmp_path / "upright.png"
    run(uvw_image, "autorot", path, "--format", "png", "-o", out)
    assert_upright(pixels(out, "RGB"), pillow_images, orientation)


@pytest.mark.parametrize("orientation", range(2, 9))
def test_webp_exif_orientation_upright(uvw_image, pillow_images, tmp_path, orientation):
    path = pillow_images / f"hopper_orientation_{orientation}.webp"
    out = tmp_path / "upright.png"
    run(uvw_image, "autorot", path, "--format", "png", "-o", out)
    assert_upright(pixels(out, "RGB"), pillow_images, orientation, suffix="webp")


@pytest.mark.parametrize("orientation", range(2, 9))
def test_operations_auto_orient_by_default(uvw_image, pillow_images, tmp_path, orientation):
    path = pillow_images / f"hopper_orientation_{orientation}.jpg"
    with Image.open(path) as image:
        upright = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    out = tmp_path / "crop.png"
    report, _ = run(uvw_image, "crop", path, "--left", "0", "--top", "0", "--width", "64", "--height", "32", "--format", "png", "-o", out)
    assert report["steps"] == ["auto_orient", "crop"]
    assert psnr(pixels(out), upright[:32, :64]) >= 35


def test_geometry_is_exact(uvw_image, skimage_data, tmp_path):
    path = skimage_data / "astronaut.png"
    source = comparable(path)
    cases = {
        "flip": (["flip"], source[::-1]),
        "flop": (["flop"], source[:, ::-1]),
        "rot90": (["rotate", "--angle", "90"], np.rot90(source, k=-1)),
        "rot180": (["rotate", "--angle", "180"], np.rot90(source, k=2)),
        "rot270": (["rotate", "--angle", "-90"], np.rot90(source, k=1)),
        "crop": (["crop", "--left", "10", "--top", "20", "--width", "100", "--height", "50"], source[20:70, 10:110]),
        "gravity": (["crop", "--gravity", "south-east", "--width", "100", "--height", "50"], source[-50:, -100:]),
    }
    for label, (args, expected) in cases.items():
        out = tmp_path / f"{label}.png"
        run(uvw_image, args[0], path, *args[1:], "-o", out)
        assert np.array_equal(comparable(out), expected), label


def test_rotate_any_angle_with_background(uvw_image, skimage_data, tmp_path):
    out = tmp_path / "rot.png"
    report, _ = run(uvw_image, "rotate", skimage_data / "astronaut.png", "--angle", "30", "--background", "0,255,0", "-o", out)
    assert report["width"] > 512 and report["height"] > 512
    assert pixels(out)[0, 0].tolist() == [0, 255, 0]


@pytest.mark.parametrize("strategy", ["entropy", "attention"])
def test_smart_crop(uvw_image, skimage_data, tmp_path, strategy):
    report, _ = run(uvw_image, "crop", skimage_data / "astronaut.png", "--strategy", strategy, "--width", "200",
                    "--height", "200", "-o", tmp_path / "smart.png")
    assert (report["width"], report["height"]) == (200, 200)


def test_extend(uvw_image, skimage_data, tmp_path):
    out = tmp_path / "ext.png"
    report, _ = run(uvw_image, "extend", skimage_data / "camera.png", "--top", "5", "--left", "7", "--right", "3",
                    "--bottom", "1", "--background", "255", "-o", out)
    assert (report["width"], report["height"]) == (522, 518)
    array = comparable(out)[:, :, 0]
    assert (array[:5] == 255).all() and (array[:, :7] == 255).all()
    assert np.array_equal(array[5:517, 7:519], comparable(skimage_data / "camera.png")[:, :, 0])


def test_thumbnail(uvw_image, skimage_data, tmp_path):
    report, _ = run(uvw_image, "thumbnail", skimage_data / "rocket.jpg", "--width", "100", "--height", "100", "-o", tmp_path / "t.jpg")
    assert max(report["width"], report["height"]) == 100
    report, _ = run(uvw_image, "thumbnail", skimage_data / "rocket.jpg", "--width", "100", "--height", "100",
                    "--crop", "attention", "-o", tmp_path / "t.jpg")
    assert (report["width"], report["height"]) == (100, 100)


@pytest.mark.parametrize("fast", [True, False])
def test_thumbnail_of_a_jpeg_against_pillow_lanczos(uvw_image, skimage_data, tmp_path, fast):
    """Shrink-on-load, fast (decoded at 1/8 in the DCT, as sharp and Pillow's draft() do) or libvips'
    own (at 1/4, a factor of two left for the reducer), stays close to Pillow's full-resolution LANCZOS."""
    out = tmp_path / "t.png"
    flags = [] if fast else ["--no-fast-shrink"]
    report, _ = run(uvw_image, "thumbnail", skimage_data / "rocket.jpg", "--width", "64", "--height", "64", *flags, "-o", out,
                    "--format", "png")
    with Image.open(skimage_data / "rocket.jpg") as source:
        expected = np.asarray(source.convert("RGB").resize((report["width"], report["height"]), Image.LANCZOS))
    assert report["width"] == 64 and report["height"] in (42, 43)  # 42.7: libvips rounds down
    assert psnr(comparable(out), expected) >= 32


@pytest.mark.parametrize("crop", ["entropy", "attention", "centre"])
def test_thumbnail_without_shrink_on_load(uvw_image, skimage_data, tmp_path, crop):
    report, _ = run(uvw_image, "thumbnail", skimage_data / "astronaut.png", "--width", "64", "--height", "48",
                    "--crop", crop, "--no-shrink-on-load", "-o", tmp_path / "t.png")
    assert (report["width"], report["height"]) == (64, 48)


def test_composite(uvw_image, skimage_data, tmp_path):
    overlay = tmp_path / "mark.png"
    Image.new("RGBA", (50, 40), (255, 0, 0, 255)).save(overlay)
    out = tmp_path / "comp.png"
    run(uvw_image, "composite", skimage_data / "astronaut.png", "--overlay", overlay, "--opacity", "0.5", "-o", out)
    result, source = comparable(out), comparable(skimage_data / "astronaut.png")
    corner = result[-40:, -50:].astype(float)
    expected = 0.5 * np.array([255, 0, 0]) + 0.5 * source[-40:, -50:].astype(float)
    assert np.abs(corner - expected).max() <= 2
    assert np.array_equal(result[:-40], source[:-40])


def _filter(uvw_image, path, tmp_path, name, *extra):
    out = tmp_path / f"{name}.png"
    run(uvw_image, "filter", path, "--name", name, *extra, "-o", out)
    return comparable(out)


def test_filters(uvw_image, skimage_data, tmp_path):
    path = skimage_data / "astronaut.png"
    source = comparable(path).astype(int)
    assert np.array_equal(_filter(uvw_image, path, tmp_path, "negate"), 255 - source)
    assert np.array_equal(_filter(uvw_image, path, tmp_path, "brightness", "--value", "1"), source)
    assert np.array_equal(_filter(uvw_image, path, tmp_path, "contrast", "--value", "1"), source)
    assert np.array_equal(_filter(uvw_image, path, tmp_path, "saturation", "--value", "1"), source)
    brighter = _filter(uvw_image, path, tmp_path, "brightness", "--value", "1.5").astype(int)
    assert np.abs(brighter - np.clip(np.round(source * 1.5), 0, 255)).max() <= 1
    grey = _filter(uvw_image, path, tmp_path, "grayscale")
    assert grey.shape[2] == 1
    expected_grey = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert psnr(grey[:, :, 0], expected_grey) >= 35
    threshold = _filter(uvw_image, path, tmp_path, "threshold", "--value", "128")
    assert set(np.unique(threshold).tolist()) <= {0, 255}
    flat = _filter(uvw_image, path, tmp_path, "saturation", "--value", "0")
    assert np.abs(flat[:, :, 0].astype(int) - flat[:, :, 2].astype(int)).max() <= 1
    sepia = _filter(uvw_image, path, tmp_path, "sepia").astype(float)
    assert (sepia[:, :, 0] >= sepia[:, :, 2]).mean() > 0.99
    for name, extra in [("blur", ["--value", "2"]), ("sharpen", []), ("gamma", ["--value", "2"]), ("tint", ["--rgb", "255,200,150"])]:
        assert _filter(uvw_image, path, tmp_path, name, *extra).shape == source.shape


def test_filters_keep_alpha(uvw_image, tmp_path):
    path = tmp_path / "rgba.png"
    array = np.zeros((20, 30, 4), dtype=np.uint8)
    array[..., 0] = 200
    array[..., 3] = np.arange(30, dtype=np.uint8)[None, :] * 8
    Image.fromarray(array, "RGBA").save(path)
    for name in ["negate", "sepia", "brightness", "threshold"]:
        result = _filter(uvw_image, path, tmp_path, name, *(["--value", "1.2"] if name == "brightness" else []))
        assert np.array_equal(result[:, :, -1], array[:, :, 3]), name


LOSSLESS = ["png", "tiff"]
LOSSY = {"jpeg": 30, "webp": 30, "gif": 20}


@pytest.mark.parametrize("fmt", LOSSLESS + list(LOSSY))
def test_round_trip(uvw_image, skimage_data, tmp_path, fmt):
    path = skimage_data / "coffee.png"
    out = tmp_path / f"coffee.{fmt}"
    report, _ = run(uvw_image, "convert", path, "--format", fmt, "--quality", "90", "-o", out)
    assert report["format"] == fmt
    with Image.open(out) as image:
        assert image.format.lower() == {"jpeg": "jpeg", "tiff": "tiff"}.get(fmt, fmt)
    result, source = pixels(out, "RGB"), pixels(path, "RGB")
    if fmt in LOSSLESS:
        assert np.array_equal(result, source)
    else:
        assert psnr(result, source) >= LOSSY[fmt]
    back, _ = run(uvw_image, "analyze", out)
    assert back["format"] == fmt and (back["width"], back["height"]) == (source.shape[1], source.shape[0])


@pytest.mark.parametrize("fmt", ["heif", "avif"])
def test_heif_round_trip_or_clear_refusal(uvw_image, skimage_data, tmp_path, fmt):
    out = tmp_path / f"coffee.{fmt}"
    report, code = run(uvw_image, "convert", skimage_data / "coffee.png", "--format", fmt, "-o", out, expect_ok=False)
    if code != 0:
        assert report["error"].startswith("unsupported_output:"), report
        pytest.skip(f"this libheif cannot encode {fmt}: {report['error']}")
    back, _ = run(uvw_image, "analyze", out)
    assert back["format"] == "heif" and (back["width"], back["height"]) == (600, 400)


def test_strip_metadata(uvw_image, pillow_images, tmp_path):
    path = pillow_images / "exif_gps.jpg"
    stripped, kept = tmp_path / "stripped.jpg", tmp_path / "kept.jpg"
    run(uvw_image, "convert", path, "-o", stripped)
    run(uvw_image, "convert", path, "--keep-metadata", "-o", kept)
    assert run(uvw_image, "analyze", stripped)[0]["exif"] is False
    assert run(uvw_image, "analyze", kept)[0]["exif"] is True
