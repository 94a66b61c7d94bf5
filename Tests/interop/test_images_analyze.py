"""analyze against numpy over Pillow-decoded pixels, and the perceptual hashes."""
import numpy as np
import pytest
from PIL import Image

from uvw_image import assert_stats_equal_numpy, comparable, hamming, run

PNGS = ["astronaut.png", "camera.png", "coffee.png", "chelsea.png", "logo.png", "horse.png", "moon.png",
        "page.png", "text.png", "coins.png"]
JPEGS = ["retina.jpg", "rocket.jpg", "hubble_deep_field.jpg"]


@pytest.mark.parametrize("name", PNGS)
def test_png_stats_equal_numpy(uvw_image, skimage_data, name):
    path = skimage_data / name
    report, _ = run(uvw_image, "analyze", path)
    assert_stats_equal_numpy(report, path)


@pytest.mark.parametrize("name", PNGS[:4])
def test_png_histogram_equals_numpy(uvw_image, skimage_data, name):
    path = skimage_data / name
    report, _ = run(uvw_image, "analyze", path, "--bins", "32")
    expected = comparable(path)
    for band, bins in enumerate(report["histogram"]["bins"]):
        counts = np.bincount(expected[:, :, band].ravel() // 8, minlength=32)
        assert bins == counts.tolist()


@pytest.mark.parametrize("name", JPEGS)
def test_jpeg_stats_close_to_numpy(uvw_image, skimage_data, name):
    # Two libjpeg builds may round the IDCT differently: the means agree closely, not exactly.
    path = skimage_data / name
    report, _ = run(uvw_image, "analyze", path)
    expected = comparable(path).astype(np.float64)
    for band, stats in enumerate(report["stats"]):
        assert stats["mean"] == pytest.approx(expected[:, :, band].mean(), abs=0.5)
        assert stats["stdev"] == pytest.approx(expected[:, :, band].std(), abs=0.5)


def test_sixteen_bit_png(uvw_image, skimage_data):
    # Pillow reduces 48-bit RGB PNGs to 8 bits; libvips keeps 16, and the stats are over the stored values.
    path = skimage_data / "chessboard_RGB.png"
    report, _ = run(uvw_image, "analyze", path)
    assert report["bit_depth"] == 16 and report["colour_space"] == "rgb16"
    expected = comparable(path).astype(np.float64)
    for band, stats in enumerate(report["stats"]):
        assert stats["mean"] / 257 == pytest.approx(expected[:, :, band].mean(), abs=1)


def test_header_fields(uvw_image, skimage_data, pillow_images):
    report, _ = run(uvw_image, "analyze", skimage_data / "astronaut.png")
    assert report["format"] == "png" and report["colour_space"] == "srgb" and report["bit_depth"] == 8
    assert report["alpha"] is False and report["animated"] is False and report["page_count"] == 1
    report, _ = run(uvw_image, "analyze", pillow_images / "hopper_orientation_6.jpg")
    assert report["orientation"] == 6 and report["exif"] is True and report["format"] == "jpeg"
    report, _ = run(uvw_image, "analyze", pillow_images / "exif_gps.jpg")
    assert report["exif"] is True
    with Image.open(pillow_images / "exif-72dpi-int.jpg") as image:
        dpi = image.info.get("dpi")
    report, _ = run(uvw_image, "analyze", pillow_images / "exif-72dpi-int.jpg")
    assert report["dpi"][0] == pytest.approx(dpi[0], abs=0.1)


def test_animated_gif(uvw_image, pillow_images):
    path = pillow_images / "iss634.gif"
    with Image.open(path) as image:
        frames = image.n_frames
    report, _ = run(uvw_image, "analyze", path)
    assert report["animated"] is True and report["page_count"] == frames


def test_dominant_colours_are_deterministic_and_sum_to_one(uvw_image, skimage_data):
    first, _ = run(uvw_image, "analyze", skimage_data / "coffee.png")
    second, _ = run(uvw_image, "analyze", skimage_data / "coffee.png")
    assert first["dominant_colours"] == second["dominant_colours"]
    assert sum(c["share"] for c in first["dominant_colours"]) == pytest.approx(1.0)
    assert len(first["dominant_colours"]) == 5


def test_dominant_colour_of_a_flat_image(uvw_image, tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (64, 48), (200, 30, 40)).save(path)
    report, _ = run(uvw_image, "analyze", path, "--colours", "3")
    assert report["dominant_colours"][0]["rgb"] == [200, 30, 40]
    assert report["dominant_colours"][0]["share"] == 1.0


def test_sharpness_is_laplacian_variance(uvw_image, skimage_data):
    path = skimage_data / "camera.png"
    report, _ = run(uvw_image, "analyze", path)
    grey = comparable(path)[:, :, 0].astype(np.float64)
    padded = np.pad(grey, 1, mode="edge")
    laplacian = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4 * grey)
    assert report["sharpness"] == pytest.approx(laplacian.var(), rel=1e-3)


def test_blur_lowers_sharpness(uvw_image, skimage_data, tmp_path):
    out = tmp_path / "blurred.png"
    run(uvw_image, "filter", skimage_data / "camera.png", "--name", "blur", "--value", "3", "-o", out)
    sharp, _ = run(uvw_image, "analyze", skimage_data / "camera.png")
    blurred, _ = run(uvw_image, "analyze", out)
    assert blurred["sharpness"] < sharp["sharpness"] / 10


@pytest.mark.parametrize("fmt", ["png", "tiff"])
def test_hash_of_lossless_copy_is_identical(uvw_image, skimage_data, tmp_path, fmt):
    out = tmp_path / f"copy.{fmt}"
    run(uvw_image, "convert", skimage_data / "astronaut.png", "--format", fmt, "-o", out)
    original, _ = run(uvw_image, "analyze", skimage_data / "astronaut.png")
    copy, _ = run(uvw_image, "analyze", out)
    assert hamming(original["dhash"], copy["dhash"]) == 0
    assert hamming(original["phash"], copy["phash"]) == 0


def test_hash_of_jpeg_copy_is_identical(uvw_image, skimage_data, tmp_path):
    out = tmp_path / "copy.jpg"
    run(uvw_image, "convert", skimage_data / "astronaut.png", "--format", "jpeg", "--quality", "90", "-o", out)
    original, _ = run(uvw_image, "analyze", skimage_data / "astronaut.png")
    copy, _ = run(uvw_image, "analyze", out)
    assert hamming(original["dhash"], copy["dhash"]) == 0
    assert hamming(original["phash"], copy["phash"]) <= 2


def test_hashes_of_different_images_differ(uvw_image, skimage_data):
    names = ["astronaut.png", "camera.png", "coffee.png", "chelsea.png", "moon.png", "rocket.jpg"]
    reports = {name: run(uvw_image, "analyze", skimage_data / name)[0] for name in names}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert hamming(reports[a]["dhash"], reports[b]["dhash"]) >= 16, (a, b)
            assert hamming(reports[a]["phash"], reports[b]["phash"]) >= 16, (a, b)


def test_hash_survives_a_resize(uvw_image, skimage_data, tmp_path):
    out = tmp_path / "small.png"
    run(uvw_image, "resize", skimage_data / "chelsea.png", "--scale", "0.5", "-o", out)
    original, _ = run(uvw_image, "analyze", skimage_data / "chelsea.png")
    small, _ = run(uvw_image, "analyze", out)
    assert hamming(original["dhash"], small["dhash"]) <= 6


@pytest.mark.parametrize("name", ["flower.jpg", "empty_gps_ifd.jpg", "iptc.jpg", "broken_exif_dpi.jpg"])
def test_exif_fields_match_pillow(uvw_image, pillow_images, name):
    path = pillow_images / name
    with Image.open(path) as image:
        exif = image.getexif()
    report, _ = run(uvw_image, "analyze", path)
    fields = report["exif_fields"]
    assert fields["Make"] == exif[271].strip("\x00 ")
    assert fields["Model"] == exif[272].strip("\x00 ")
    if 306 in exif:
        assert fields["DateTime"] == exif[306]
