"""Limits and hostile input: every refusal is clean (exit 1, a stable code, the limit named), never a crash."""
import json
import subprocess

import pytest

from uvw_image import PACKAGE, jpeg_header_bomb, png_bomb, run


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(png_bomb(30000, 30000))
    return path


def bounded(binary):
    """uvw-image under a 512 MB address-space limit: decoding the bomb's 900 megapixels would need
    far more, so a refusal that succeeds under it came from the header, before any pixel (a proof
    that does not depend on timing this noisy machine)."""
    return ["prlimit", f"--as={512 << 20}", str(binary)]


def test_png_bomb_refused_from_header(uvw_image, bomb):
    assert bomb.stat().st_size < 1_000_000
    proc = subprocess.run([*bounded(uvw_image), "analyze", str(bomb)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["error"] == "too_large: 30000x30000 is 900 megapixels, maxMegapixels is 50"
    for command in (["resize", "--width", "10"], ["thumbnail", "--width", "10", "--height", "10"], ["convert"]):
        report, code = run(uvw_image, command[0], bomb, *command[1:], "-o", "/dev/null", expect_ok=False)
        assert code == 1 and "maxMegapixels" in report["error"], command


def test_bomb_header_is_read_without_decoding(uvw_image, bomb):
    # With the limit raised, `info` reads the header only: it succeeds within 512 MB.
    proc = subprocess.run([*bounded(uvw_image), "info", str(bomb), "--max-megapixels", "1000"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert (report["width"], report["height"]) == (30000, 30000)


def test_megapixel_limit_is_configurable(uvw_image, skimage_data):
    report, code = run(uvw_image, "analyze", skimage_data / "astronaut.png", "--max-megapixels", "0.2", expect_ok=False)
    assert code == 1 and report["error"] == "too_large: 512x512 is 0.3 megapixels, maxMegapixels is 0.2"


def test_input_bytes_limit(uvw_image, skimage_data):
    report, code = run(uvw_image, "analyze", skimage_data / "astronaut.png", "--max-bytes", "1000", expect_ok=False)
    assert code == 1 and report["error"].startswith("too_large: input is") and "maxInputBytes is 1000" in report["error"]


def test_frame_limit(uvw_image, pillow_images):
    report, code = run(uvw_image, "analyze", pillow_images / "iss634.gif", "--max-frames", "2", expect_ok=False)
    assert code == 1 and report["error"].startswith("too_large:") and "maxFrames is 2" in report["error"]


def test_output_dimension_limit(uvw_image, skimage_data, tmp_path):
    report, code = run(uvw_image, "resize", skimage_data / "camera.png", "--width", "100000", "-o", tmp_path / "x.png",
                       expect_ok=False)
    assert code == 1 and "maxOutputDimension (16384)" in report["error"]
    report, code = run(uvw_image, "extend", skimage_data / "camera.png", "--left", "20000", "-o", tmp_path / "x.png",
                       expect_ok=False)
    assert code == 1 and "maxOutputDimension" in report["error"]


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.mark.parametrize("name,data", [("svg", SVG), ("pdf", PDF)])
def test_svg_and_pdf_refused_by_allowlist(uvw_image, tmp_path, name, data):
    path = tmp_path / f"x.{name}"
    path.write_bytes(data)
    report, code = run(uvw_image, "analyze", path, expect_ok=False)
    assert code == 1
    assert report["error"] == f"unsupported_format: {name} is not an allowed input format (allowed: jpeg, png, webp, gif, tiff, heif)"


def test_other_formats_refused(uvw_image, pillow_images, tmp_path):
    for name in ["hopper.bmp", "hopper.ico", "hopper.psd", "hopper.ras", "hopper.pnm" ]:
        path = pillow_images / name
        if not path.exists():
            continue
        report, code = run(uvw_image, "analyze", path, expect_ok=False)
        assert code == 1 and report["error"].startswith("unsupported_format:"), (name, report)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    report, code = run(uvw_image, "analyze", empty, expect_ok=False)
    assert code == 1 and report["error"].startswith("empty:")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(bytes(range(256)) * 10)
    report, code = run(uvw_image, "analyze", junk, expect_ok=False)
    assert code == 1 and report["error"].startswith("unsupported_format:")


def test_pdf_polyglot_with_png_tail_refused(uvw_image, skimage_data, tmp_path):
    path = tmp_path / "poly.png"
    path.write_bytes(PDF + (skimage_data / "horse.png").read_bytes())
    report, code = run(uvw_image, "analyze", path, expect_ok=False)
    assert code == 1 and report["error"].startswith("unsupported_format: pdf")


def test_png_magic_with_svg_body_fails_cleanly(uvw_image, tmp_path):
    path = tmp_path / "fake.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + SVG)
    report, code = run(uvw_image, "analyze", path, expect_ok=False)
    assert code == 1 and report["error"].split(":")[0] in {"corrupt", "unsupported_format"}


@pytest.mark.parametrize("name", ["astronaut.png", "rocket.jpg", "coffee.png", "retina.jpg"])
@pytest.mark.parametrize("fraction", [0.2, 0.6, 0.95])
@pytest.mark.parametrize("command", ["analyze", "convert", "resize"])
def test_truncated_files_fail_cleanly(uvw_image, skimage_data, tmp_path, name, fraction, command):
    data = (skimage_data / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * fraction)])
    extra = {"analyze": [], "convert": ["-o", tmp_path / "o"], "resize": ["--width", "50", "-o", tmp_path / "o"]}[command]
    report, code = run(uvw_image, command, path, *extra, expect_ok=False)
    assert code == 1 and report["error"].startswith("corrupt:"), report


def _damaged(source, tmp_path):
    data = bytearray(source.read_bytes())
    for offset in range(len(data) // 3, len(data) // 3 + 4000, 7):
        data[offset] ^= 0x5A
    path = tmp_path / source.name
    path.write_bytes(bytes(data))
    return path


def test_corrupted_png_fails_cleanly(uvw_image, skimage_data, tmp_path):
    path = _damaged(skimage_data / "astronaut.png", tmp_path)
    report, code = run(uvw_image, "convert", path, "-o", tmp_path / "o", expect_ok=False)
    assert code == 1 and report["error"].startswith("corrupt:"), report


def test_corrupted_jpeg_decodes_unless_strict(uvw_image, skimage_data, tmp_path):
    # libjpeg only warns about damaged entropy-coded data, so fail_on=error decodes it (garbled blocks);
    # --strict (fail_on=warning) refuses it.
    path = _damaged(skimage_data / "rocket.jpg", tmp_path)
    report, code = run(uvw_image, "convert", path, "-o", tmp_path / "o", expect_ok=False)
    assert code == 0 and report["width"] == 640
    report, code = run(uvw_image, "convert", path, "--strict", "-o", tmp_path / "o", expect_ok=False)
    assert code == 1 and report["error"].startswith("corrupt:"), report


def test_pillow_broken_files_never_crash(uvw_image, pillow_images, tmp_path):
    names = [p for p in sorted(pillow_images.iterdir())
             if any(k in p.name for k in ("broken", "truncated", "crash", "oom", "corrupt", "invalid", "bad"))]
    assert names
    for path in names:
        report, code = run(uvw_image, "convert", path, "--format", "png", "-o", tmp_path / "o.png", expect_ok=False)
        if code:
            assert report["error"].split(":")[0] in {"corrupt", "unsupported_format", "too_large", "empty", "failed"}, (path, report)


def test_jpeg_header_bomb_refused(uvw_image, tmp_path):
    path = tmp_path / "bomb.jpg"
    path.write_bytes(jpeg_header_bomb())
    report, code = run(uvw_image, "thumbnail", path, "--width", "10", "--height", "10", "-o", tmp_path / "o.jpg", expect_ok=False)
    assert code == 1 and report["error"].startswith("too_large: 65000x65000")


def test_libvips_itself_blocks_svg_and_pdf(tmp_path):
    import shutil
    if not shutil.which("cc"):
        pytest.skip("no C compiler")
    root = PACKAGE
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "vips"], capture_output=True, text=True, check=True).stdout.split()
    binary = tmp_path / "block_check"
    subprocess.run(["cc", "-o", str(binary), str(root / "Tests/interop/support/vips_block_check.c"), str(root / "Sources/CVips/vips_shim.c"),
                    "-I", str(root / "Sources/CVips/include"), *flags, "-lm"], check=True)
    proc = subprocess.run([str(binary)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "operation is blocked" in proc.stdout


def test_no_memory_growth_over_repeated_pipelines(uvw_image, skimage_data):
    # Every Image releases its VipsImage and the copied input bytes: resident memory plateaus.
    for args in (["--no-shrink-on-load"], []):
        report, _ = run(uvw_image, "bench", skimage_data / "astronaut.png", "--iterations", "400", "--width", "128", *args)
        growth = report["rss_kib_at_end"] - report["rss_kib_after_quarter"]
        assert growth < 8 * 1024, report


def test_truncated_real_file_refused_like_pillow(uvw_image, pillow_images):
    # Pillow's ultrahdr.jpg ends early: Pillow's load() raises "image file is truncated", and so do we.
    report, code = run(uvw_image, "analyze", pillow_images / "ultrahdr.jpg", expect_ok=False)
    assert code == 1 and report["error"].startswith("corrupt:")
