"""Bad inputs are refused up front with one clear line: in the library (InputError / LimitExceeded)
and end to end through the CLI (exit code 2, exactly one stderr line, no traceback)."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from interview_guard import media
from interview_guard.config import MediaOptions
from interview_guard.errors import InputError, LimitExceeded

REPO = Path(__file__).resolve().parents[1]
OPTS = MediaOptions()
CODEC = "libx264" if "libx264" in av.codecs_available else "mpeg4"


def write_mp4(path: Path, seconds: float = 2.0, faststart: bool = False) -> Path:
    """A small valid H.264 MP4 with textured frames (so cutting it lands inside real data)."""
    rng = np.random.default_rng(1)
    c = av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {})
    s = c.add_stream(CODEC, rate=25)
    s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
    for i in range(round(seconds * 25)):
        img = rng.integers(0, 255, (120, 160, 3), np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, 25)
        for p in s.encode(frame):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    return path


def huge_png(path: Path, width: int = 20000, height: int = 20000) -> Path:
    """A valid 1-bit PNG of width x height built by hand: ~60 KB on disk, 400 MP when decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed 1-bit pixels
    z = zlib.compressobj(9)
    body = b"".join(z.compress(row * 500) for _ in range(height // 500)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    good = write_mp4(d / "good.mp4")  # moov at the end (the default)
    fast = write_mp4(d / "fast.mp4", faststart=True)  # moov at the start
    files = {"good": good}
    (d / "empty.mp4").write_bytes(b"")
    files["zero-byte"] = d / "empty.mp4"
    (d / "notes.mp4").write_text("Meeting notes\nThis is a text file renamed to .mp4\n")
    files["text renamed .mp4"] = d / "notes.mp4"
    data = good.read_bytes()
    (d / "half.mp4").write_bytes(data[: len(data) // 2])
    files["truncated mp4 (cut in half)"] = d / "half.mp4"
    moov_at = data.rfind(b"moov") - 4
    assert moov_at > len(data) // 2, "premise: the default MP4 keeps its index at the end"
    (d / "no_moov.mp4").write_bytes(data[: moov_at + 40])
    files["truncated mp4 (moov at the end cut off)"] = d / "no_moov.mp4"
    fdata = fast.read_bytes()
    (d / "fast_half.mp4").write_bytes(fdata[: len(fdata) // 2])
    files["truncated faststart mp4 (index intact, data cut)"] = d / "fast_half.mp4"
    files["missing path"] = d / "does_not_exist.mp4"
    (d / "folder.mp4").mkdir()
    files["directory"] = d / "folder.mp4"
    (d / "scan.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    files["pdf"] = d / "scan.pdf"
    files["huge png"] = huge_png(d / "huge.png")
    return files


MEDIA_CASES = {
    "zero-byte": "empty",
    "text renamed .mp4": "not a media file PyAV can open",
    "truncated mp4 (cut in half)": "truncated",
    "truncated mp4 (moov at the end cut off)": "truncated",
    "truncated faststart mp4 (index intact, data cut)": "truncated",
    "missing path": "not found",
    "directory": "directory",
    "pdf": "PDF",
    "huge png": "PNG image, not an audio/video recording",
}


@pytest.mark.parametrize("case", list(MEDIA_CASES))
def test_probe_refuses_with_one_line(bad, case):
    with pytest.raises(InputError) as err:
        media.probe(bad[case], OPTS)
    message = err.value.one_line()
    assert MEDIA_CASES[case] in message
    assert "\n" not in str(err.value) and bad[case].name in message


def test_mp4_box_walk_finds_the_cut(bad):
    from interview_guard.media.probe import mp4_cut_off_box

    def walk(case):
        return mp4_cut_off_box(bad[case], bad[case].stat().st_size)

    assert walk("good") is None
    assert walk("truncated mp4 (cut in half)")[::2] == ("mdat", False)
    assert walk("truncated mp4 (moov at the end cut off)")[::2] == ("moov", False)
    assert walk("truncated faststart mp4 (index intact, data cut)")[::2] == ("mdat", False)
    assert walk("text renamed .mp4") is None  # not ISO-BMFF: no verdict


def test_over_long_duration_is_a_limit(bad):
    with pytest.raises(LimitExceeded, match="max_duration_s"):
        media.probe(bad["good"], MediaOptions(max_duration_s=1.5))
    with pytest.raises(LimitExceeded, match="max_duration_s"):
        media.load_audio(bad["good"], MediaOptions(max_duration_s=1.5))


def test_huge_png_refused_from_the_header_in_milliseconds(bad):
    path = bad["huge png"]
    assert path.stat().st_size < 200_000  # the premise: small file, 400 MP image
    t0 = time.perf_counter()
    with pytest.raises(LimitExceeded, match="max_image_pixels"):
        media.check_image(path, OPTS)
    with pytest.raises(LimitExceeded):
        media.load_image(path, OPTS)
    assert time.perf_counter() - t0 < 0.5


@pytest.mark.parametrize("case,expected", [("pdf", "PDF document, not an image"),
                                           ("text renamed .mp4", "not an image"),
                                           ("good", "not an image"),
                                           ("zero-byte", "empty"), ("missing path", "not found"),
                                           ("directory", "directory")])
def test_images_refused(bad, case, expected):
    with pytest.raises(InputError, match=expected):
        media.check_image(bad[case], OPTS)


def test_stream_readers_refuse_before_yielding(bad):
    for case in ("text renamed .mp4", "truncated mp4 (cut in half)", "zero-byte", "missing path"):
        with pytest.raises(InputError):
            next(media.iter_frames(bad[case], OPTS))
        with pytest.raises(InputError):
            next(media.iter_audio(bad[case], OPTS))


# --------------------------------------------------------------------------- the CLI end to end
def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "INTERVIEW_GUARD_STORE": str(home / "store.sqlite"), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "interview_guard.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def assert_one_line_exit_2(result: subprocess.CompletedProcess, expected: str) -> None:
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


CLI_CASES = ["zero-byte", "text renamed .mp4", "truncated mp4 (cut in half)",
             "truncated mp4 (moov at the end cut off)", "truncated faststart mp4 (index intact, data cut)",
             "missing path", "directory"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_analyze_bad_media_exits_2(bad, tmp_path, case):
    result = run_cli("analyze", str(bad[case]), "--no-store", home=tmp_path)
    assert_one_line_exit_2(result, bad[case].name)


def test_cli_analyze_over_long_recording_exits_2(bad, tmp_path):
    config = tmp_path / "short.toml"
    config.write_text("[media]\nmax_duration_s = 1.0\n")
    result = run_cli("--config", str(config), "analyze", str(bad["good"]), "--no-store", home=tmp_path)
    assert_one_line_exit_2(result, "max_duration_s")


def test_cli_analyze_huge_id_image_exits_2(bad, tmp_path):
    result = run_cli("analyze", str(bad["good"]), "--id-image", str(bad["huge png"]), "--no-store",
                     home=tmp_path)
    assert_one_line_exit_2(result, "max_image_pixels")
