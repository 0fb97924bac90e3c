"""The model manifest and the local model store.

``models/manifest.toml`` lists every model: its files, their sha256 and size, the licence,
and the registry packages the files come from (see the comment at the top of that file).
Data manifests (``samples/data/*.toml``) use the same format with ``destination = "data"``.

:class:`ModelStore` locates fetched files (``<models dir>/<name>/<file path>``), lets a user
path override any model, and verifies sha256 with a stamp file (``<name>/.verified``) so a
repeated verify of the 145 MB Whisper model costs one ``stat`` unless the file changed.
Fetching lives in :mod:`interview_guard.runtime.fetch`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, Sequence

from ..errors import ModelError

logger = logging.getLogger(__name__)

SOURCE_KINDS = ("pypi", "pypi-sdist", "npm", "deb", "installed", "url")
TRANSFORMS = ("onnx-keep-used-inputs",)
DESTINATIONS = ("models", "data")
STAMP_NAME = ".verified"
REPO_ROOT = Path(__file__).resolve().parents[2]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


# --------------------------------------------------------------------------- manifest types
@dataclass(frozen=True)
class Part:
    """More bytes appended after a source's own members (e.g. ``model.bin.part2``)."""

    kind: str
    package: str
    version: str | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """One place a file can come from. ``sha256`` is of the raw joined bytes, before ``transform``."""

    kind: str
    package: str = ""
    version: str | None = None
    members: tuple[str, ...] = ()
    sha256: str | None = None
    transform: str | None = None
    extra: tuple[Part, ...] = ()
    url: str | None = None

    def describe(self) -> str:
        if self.kind == "url":
            return f"url {self.url}"
        ver = (f"@{self.version}" if self.kind == "npm" else f"=={self.version}") if self.version else ""
        more = f" (+{len(self.extra)} more part{'s' if len(self.extra) > 1 else ''})" if self.extra else ""
        return f"{self.kind} {self.package}{ver}{more}"


@dataclass(frozen=True)
class ModelFile:
    path: str  # relative to the entry's folder
    sha256: str
    size: int | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    files: tuple[ModelFile, ...]
    task: str = ""
    licence: str = ""
    default: bool = True
    runtime: str = ""
    provenance: str = ""
    notes: str = ""

    @property
    def is_folder(self) -> bool:
        """Multi-file entries (whisper-*) are used as a folder; single-file ones as the file."""
        return len(self.files) > 1

    @property
    def size(self) -> int | None:
        sizes = [f.size for f in self.files]
        return None if any(s is None for s in sizes) else sum(sizes)  # type: ignore[arg-type]

    @property
    def sha256(self) -> str:
        if not self.is_folder:
            return self.files[0].sha256
        return combined_digest((f.path, f.sha256) for f in self.files)


@dataclass(frozen=True)
class Manifest:
    version: int
    destination: str
    models: tuple[ModelSpec, ...]
    paths: tuple[Path, ...] = ()

    def names(self) -> list[str]:
        return [m.name for m in self.models]

    def get(self, name: str) -> ModelSpec | None:
        for m in self.models:
            if m.name == name:
                return m
        return None


def combined_digest(items) -> str:
    """Digest of a multi-file model: sha256 of ``"<sha256>  <path>\\n"`` lines sorted by path
    (the ``sha256sum`` line format), so it changes when any file changes and is computable
    from the manifest alone."""
    lines = "".join(f"{sha}  {path}\n" for path, sha in sorted(items))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- parsing
class _Where:
    """Builds ValueError messages that name the file and the entry."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def error(self, entry: str, msg: str) -> ValueError:
        return ValueError(f"{self.origin}: {entry}: {msg}")


def _str(d: Mapping[str, Any], key: str, where: _Where, entry: str, *, required: bool = True,
         default: str = "") -> str:
    v = d.get(key, None)
    if v is None:
        if required:
            raise where.error(entry, f"missing {key!r}")
        return default
    if not isinstance(v, str) or (required and not v.strip()):
        raise where.error(entry, f"{key!r} must be a non-empty string, got {v!r}")
    return v


def _check_keys(d: Mapping[str, Any], allowed: set[str], where: _Where, entry: str) -> None:
    unknown = set(d) - allowed
    if unknown:
        raise where.error(entry, f"unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})")


def _sha(v: Any, where: _Where, entry: str, key: str = "sha256") -> str:
    if not isinstance(v, str) or not _SHA_RE.match(v):
        raise where.error(entry, f"{key!r} must be 64 lowercase hex digits, got {v!r}")
    return v


def _members(d: Mapping[str, Any], where: _Where, entry: str) -> tuple[str, ...]:
    m = d.get("members")
    if not isinstance(m, list) or not m or not all(isinstance(x, str) and x.strip() for x in m):
        raise where.error(entry, "'members' must be a non-empty list of paths inside the package")
    return tuple(m)


def _version(d: Mapping[str, Any], kind: str, where: _Where, entry: str) -> str | None:
    v = d.get("version")
    if v is None:
        if kind in ("pypi", "pypi-sdist", "installed"):
            raise where.error(entry, f"a {kind} source needs a pinned 'version'")
        return None  # deb / npm: the registry's current version
    if not isinstance(v, (str, int, float)) or not str(v).strip():
        raise where.error(entry, f"'version' must be a string, got {v!r}")
    return str(v)


def _parse_source(d: Any, where: _Where, entry: str) -> Source:
    if not isinstance(d, Mapping):
        raise where.error(entry, "each source must be a table")
    kind = d.get("kind")
    if kind not in SOURCE_KINDS:
        raise where.error(entry, f"source kind must be one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
    entry = f"{entry} [{kind}]"
    if kind == "url":
        _check_keys(d, {"kind", "url", "sha256", "transform"}, where, entry)
        url = _str(d, "url", where, entry)
        if not url.startswith("https://"):
            raise where.error(entry, f"url must be https, got {url!r}")
        package, version, members, extra = "", None, (), ()
    else:
        _check_keys(d, {"kind", "package", "version", "members", "sha256", "transform", "extra"}, where, entry)
        url = None
        package = _str(d, "package", where, entry)
        version = _version(d, kind, where, entry)
        members = _members(d, where, entry)
        raw_extra = d.get("extra", [])
        if not isinstance(raw_extra, list):
            raise where.error(entry, "'extra' must be an array of tables")
        parts = []
        for i, p in enumerate(raw_extra):
            pe = f"{entry} extra[{i}]"
            if not isinstance(p, Mapping):
                raise where.error(pe, "must be a table")
            _check_keys(p, {"kind", "package", "version", "members"}, where, pe)
            pkind = p.get("kind", kind)
            if pkind not in SOURCE_KINDS or pkind == "url":
                raise where.error(pe, f"bad kind {pkind!r}")
            parts.append(Part(pkind, _str(p, "package", where, pe), _version(p, pkind, where, pe),
                              _members(p, where, pe)))
        extra = tuple(parts)
    raw_sha = _sha(d["sha256"], where, entry, "sha256") if "sha256" in d else None
    transform = d.get("transform")
    if transform is not None and transform not in TRANSFORMS:
        raise where.error(entry, f"unknown transform {transform!r} (known: {', '.join(TRANSFORMS)})")
    return Source(kind=kind, package=package, version=version, members=members, sha256=raw_sha,
                  transform=transform, extra=extra, url=url)


def _parse_file(d: Any, where: _Where, entry: str) -> ModelFile:
    if not isinstance(d, Mapping):
        raise where.error(entry, "each [[model.files]] must be a table")
    _check_keys(d, {"path", "sha256", "size", "sources"}, where, entry)
    path = _str(d, "path", where, entry)
    pp = Path(path)
    if pp.is_absolute() or ".." in pp.parts or any(part.startswith(".") for part in pp.parts):
        raise where.error(entry, f"file path must be relative, without '..' or hidden parts: {path!r}")
    entry = f"{entry} file {path!r}"
    sha = _sha(d.get("sha256"), where, entry)
    size = d.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
        raise where.error(entry, f"'size' must be a positive integer, got {size!r}")
    sources = d.get("sources")
    if not isinstance(sources, list) or not sources:
        raise where.error(entry, "needs at least one [[model.files.sources]]")
    return ModelFile(path=path, sha256=sha, size=size,
                     sources=tuple(_parse_source(s, where, entry) for s in sources))


def _parse_model(d: Any, where: _Where, index: int, destination: str) -> ModelSpec:
    if not isinstance(d, Mapping):
        raise where.error(f"[[model]] #{index + 1}", "must be a table")
    name = d.get("name")
    entry = f"model {name!r}" if name else f"[[model]] #{index + 1}"
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise where.error(entry, "'name' must be letters, digits, '.', '_', '+' or '-' (not starting with '.')")
    _check_keys(d, {"name", "task", "licence", "default", "runtime", "provenance", "notes", "files"}, where, entry)
    strict = destination == "models"  # a model needs its task and licence for the provenance table
    default = d.get("default", True)
    if not isinstance(default, bool):
        raise where.error(entry, f"'default' must be true or false, got {default!r}")
    files = d.get("files")
    if not isinstance(files, list) or not files:
        raise where.error(entry, "needs at least one [[model.files]]")
    parsed = tuple(_parse_file(f, where, entry) for f in files)
    paths = [f.path for f in parsed]
    if len(set(paths)) != len(paths):
        raise where.error(entry, "two files share one path")
    return ModelSpec(name=name, files=parsed,
                     task=_str(d, "task", where, entry, required=strict),
                     licence=_str(d, "licence", where, entry, required=strict),
                     default=default,
                     runtime=_str(d, "runtime", where, entry, required=False),
                     provenance=_str(d, "provenance", where, entry, required=False),
                     notes=_str(d, "notes", where, entry, required=False))


def parse_manifest(text: str, origin: str = "<manifest>") -> Manifest:
    """Parse manifest TOML; any problem raises ValueError naming the file and the entry."""
    where = _Where(origin)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{origin}: not valid TOML: {e}") from None
    _check_keys(data, {"manifest", "model"}, where, "top level")
    head = data.get("manifest")
    if not isinstance(head, Mapping):
        raise where.error("[manifest]", "missing the [manifest] table (version, destination)")
    _check_keys(head, {"version", "destination"}, where, "[manifest]")
    version = head.get("version")
    if version != 1:
        raise where.error("[manifest]", f"unsupported version {version!r} (this interview-guard reads 1)")
    destination = head.get("destination")
    if destination not in DESTINATIONS:
        raise where.error("[manifest]", f"destination must be one of {', '.join(DESTINATIONS)}, got {destination!r}")
    raw = data.get("model", [])
    if not isinstance(raw, list):
        raise where.error("[[model]]", "must be an array of tables")
    models = tuple(_parse_model(m, where, i, destination) for i, m in enumerate(raw))
    seen: set[str] = set()
    for m in models:
        if m.name in seen:
            raise where.error(f"model {m.name!r}", "the name appears twice")
        seen.add(m.name)
    return Manifest(version=1, destination=destination, models=models)


def load_manifest(path: str | Path) -> Manifest:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(f"model manifest not found: {p}",
                         fix="set INTERVIEW_GUARD_MANIFEST to the path of models/manifest.toml") from None
    m = parse_manifest(text, str(p))
    return Manifest(m.version, m.destination, m.models, (p,))


def merge_manifests(manifests: Sequence[Manifest]) -> Manifest:
    """One manifest from several of the same destination (samples/data/*.toml)."""
    if not manifests:
        raise ValueError("no manifests to merge")
    dests = {m.destination for m in manifests}
    if len(dests) != 1:
        raise ValueError(f"cannot merge manifests with destinations {sorted(dests)}")
    origin: dict[str, Path | None] = {}
    models: list[ModelSpec] = []
    for man in manifests:
        for spec in man.models:
            if spec.name in origin:
                raise ValueError(f"entry {spec.name!r} appears in both {origin[spec.name]} and "
                                 f"{man.paths[0] if man.paths else '<manifest>'}")
            origin[spec.name] = man.paths[0] if man.paths else None
            models.append(spec)
    return Manifest(1, dests.pop(), tuple(models), tuple(p for m in manifests for p in m.paths))


def default_manifest_path() -> Path:
    """$INTERVIEW_GUARD_MANIFEST, else models/manifest.toml of this checkout (editable install)."""
    env = os.environ.get("INTERVIEW_GUARD_MANIFEST")
    return Path(env) if env else REPO_ROOT / "models" / "manifest.toml"


def data_manifest_paths() -> list[Path]:
    """$INTERVIEW_GUARD_DATA_MANIFESTS (files or folders, ``os.pathsep``-separated), else
    samples/data/*.toml of this checkout."""
    env = os.environ.get("INTERVIEW_GUARD_DATA_MANIFESTS")
    roots = [Path(p) for p in env.split(os.pathsep) if p] if env else [REPO_ROOT / "samples" / "data"]
    out: list[Path] = []
    for r in roots:
        out.extend(sorted(r.glob("*.toml")) if r.is_dir() else [r])
    return out


def load_data_manifest(paths: Sequence[str | Path] | None = None) -> Manifest:
    paths = list(paths) if paths is not None else data_manifest_paths()
    if not paths:
        raise ModelError("no data manifests found (samples/data/*.toml)",
                         fix="set INTERVIEW_GUARD_DATA_MANIFESTS to a folder of data manifests")
    return merge_manifests([load_manifest(p) for p in paths])


# --------------------------------------------------------------------------- verification
def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


FileStatus = Literal["ok", "missing", "size", "sha256"]
ModelStatus = Literal["verified", "missing", "corrupt", "override"]


@dataclass(frozen=True)
class FileCheck:
    path: str
    status: FileStatus
    expected_sha256: str
    actual_sha256: str | None = None
    expected_size: int | None = None
    actual_size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class VerifyResult:
    name: str
    status: ModelStatus
    path: str
    sha256: str | None  # the file's digest, or the combined digest of a folder
    files: tuple[FileCheck, ...] = ()
    from_stamp: bool = False  # every file matched the .verified stamp: nothing was re-hashed
    fix: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("verified", "override")

    def problem(self) -> str:
        bad = [f for f in self.files if f.status != "ok"]
        return "; ".join(f"{f.path}: {_FILE_PROBLEM[f.status]}" for f in bad) or self.status

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "ok": self.ok, "path": self.path,
                "sha256": self.sha256, "from_stamp": self.from_stamp, "fix": self.fix,
                "files": [f.to_dict() for f in self.files]}


_FILE_PROBLEM = {"ok": "ok", "missing": "missing", "size": "wrong size", "sha256": "sha256 mismatch"}


def _read_stamp(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_stamp(folder: Path, stamp: Mapping[str, Any]) -> None:
    tmp = folder / f"{STAMP_NAME}.tmp-{os.getpid()}"
    try:
        tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, folder / STAMP_NAME)
    except OSError as e:  # a read-only models dir still verifies, just without the shortcut
        logger.debug("cannot write %s: %s", folder / STAMP_NAME, e)
        tmp.unlink(missing_ok=True)


def record_verified(folder: Path, rel_path: str, sha: str) -> None:
    """Remember that ``folder/rel_path`` (as it is now on disk) has digest ``sha``."""
    st = (folder / rel_path).stat()
    stamp = _read_stamp(folder)
    stamp[rel_path] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
    _write_stamp(folder, stamp)


def check_file(folder: Path, mf: ModelFile, stamp: Mapping[str, Any] | None = None
               ) -> tuple[FileCheck, bool]:
    """Check one manifest file on disk. Returns the check and whether the stamp vouched for it."""
    p = folder / mf.path
    try:
        st = p.stat()
    except OSError:
        return FileCheck(mf.path, "missing", mf.sha256, expected_size=mf.size), False
    if not p.is_file():
        return FileCheck(mf.path, "missing", mf.sha256, expected_size=mf.size), False
    if mf.size is not None and st.st_size != mf.size:
        return FileCheck(mf.path, "size", mf.sha256, None, mf.size, st.st_size), False
    s = (stamp or {}).get(mf.path)
    if isinstance(s, Mapping) and s.get("size") == st.st_size and s.get("mtime_ns") == st.st_mtime_ns \
            and s.get("sha256") == mf.sha256:
        return FileCheck(mf.path, "ok", mf.sha256, mf.sha256, mf.size, st.st_size), True
    actual = sha256_file(p)
    status: FileStatus = "ok" if actual == mf.sha256 else "sha256"
    return FileCheck(mf.path, status, mf.sha256, actual, mf.size, st.st_size), False


# --------------------------------------------------------------------------- the store
class ModelStore:
    """Where fetched models (or data entries) live, and which user paths override them.

    ``manifest`` may be a :class:`Manifest`, a path, or None for the default manifest.
    The models dir defaults to ``config.default_models_dir()`` (or the data dir for a data
    manifest); entry ``name``'s files live in ``<dir>/<name>/<file path>``.
    """

    def __init__(self, models_dir: str | Path | None = None, overrides: Mapping[str, str | Path] | None = None,
                 manifest: Manifest | str | Path | None = None) -> None:
        from ..config import default_data_dir, default_models_dir

        if manifest is None:
            manifest = load_manifest(default_manifest_path())
        elif not isinstance(manifest, Manifest):
            manifest = load_manifest(manifest)
        self.manifest = manifest
        if models_dir is None:
            models_dir = default_data_dir() if manifest.destination == "data" else default_models_dir()
        self.root = Path(models_dir).expanduser()
        self.overrides = {k: Path(v).expanduser() for k, v in (overrides or {}).items()}
        self._override_sha: dict[tuple[str, int, int], str] = {}

    # --- lookup
    def specs(self) -> list[ModelSpec]:
        return list(self.manifest.models)

    def names(self) -> list[str]:
        return self.manifest.names()

    def default_names(self) -> list[str]:
        return [m.name for m in self.manifest.models if m.default]

    def fix_command(self, name: str) -> str:
        flag = " --data" if self.manifest.destination == "data" else ""
        return f"interview-guard models fetch{flag} {name}"

    def spec(self, name: str) -> ModelSpec:
        spec = self.manifest.get(name)
        if spec is None:
            what = "data entry" if self.manifest.destination == "data" else "model"
            raise ModelError(f"unknown {what} {name!r}; known: {', '.join(self.names()) or 'none'}",
                             fix="interview-guard models list")
        return spec

    def folder(self, name: str) -> Path:
        return self.root / self.spec(name).name

    def _location(self, spec: ModelSpec) -> Path:
        folder = self.root / spec.name
        return folder if spec.is_folder else folder / spec.files[0].path

    def path(self, name: str) -> Path:
        """The model's file (single-file models) or folder (multi-file ones); a user override wins."""
        if name in self.overrides:
            p = self.overrides[name]
            if not p.exists():
                raise ModelError(f"the path given for model {name!r} does not exist: {p}",
                                 fix="fix the model override in your config")
            return p
        spec = self.spec(name)
        if not self.is_present(name):
            raise ModelError(f"model {name!r} is not fetched (expected in {self.root / spec.name})",
                             fix=self.fix_command(name))
        return self._location(spec)

    def is_present(self, name: str) -> bool:
        """Cheap: every file exists with the manifest's size (no hashing)."""
        if name in self.overrides:
            return self.overrides[name].exists()
        spec = self.spec(name)
        folder = self.root / spec.name
        for f in spec.files:
            try:
                st = (folder / f.path).stat()
            except OSError:
                return False
            if st.st_size != (f.size if f.size is not None else st.st_size) or st.st_size == 0:
                return False
        return True

    # --- digests and verification
    def sha256(self, name: str) -> str:
        """The manifest digest (see :func:`combined_digest` for folders); an override is hashed."""
        if name in self.overrides:
            return self._hash_override(self.path(name))
        return self.spec(name).sha256

    def _hash_override(self, p: Path) -> str:
        if p.is_file():
            st = p.stat()
            key = (str(p), st.st_size, st.st_mtime_ns)
            if key not in self._override_sha:
                self._override_sha[key] = sha256_file(p)
            return self._override_sha[key]
        files = sorted(q for q in p.rglob("*") if q.is_file()
                       and not any(part.startswith(".") for part in q.relative_to(p).parts))
        return combined_digest((q.relative_to(p).as_posix(), self._hash_override(q)) for q in files)

    def verify(self, name: str, *, use_stamp: bool = True) -> VerifyResult:
        """Hash-check every file (the stamp skips files unchanged since their last check)."""
        if name in self.overrides:
            p = self.overrides[name]
            if not p.exists():
                return VerifyResult(name, "missing", str(p), None, fix="fix the model override in your config")
            return VerifyResult(name, "override", str(p), self._hash_override(p))
        spec = self.spec(name)
        folder = self.root / spec.name
        stamp = _read_stamp(folder) if use_stamp else {}
        checks, stamped, fresh = [], [], {}
        for mf in spec.files:
            fc, from_stamp = check_file(folder, mf, stamp)
            checks.append(fc)
            stamped.append(from_stamp)
            if fc.status == "ok" and not from_stamp:
                fresh[mf.path] = fc
        if fresh:
            for rel, fc in fresh.items():
                st = (folder / rel).stat()
                stamp[rel] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": fc.actual_sha256}
            _write_stamp(folder, stamp)
        if all(c.status == "ok" for c in checks):
            status: ModelStatus = "verified"
        elif all(c.status == "missing" for c in checks):
            status = "missing"
        else:
            status = "corrupt"
        return VerifyResult(name, status, str(self._location(spec)), spec.sha256 if status == "verified" else None,
                            tuple(checks), from_stamp=all(stamped),
                            fix=None if status == "verified" else self.fix_command(name))

    def fetch(self, names: Sequence[str] | None = None, *, progress: Callable[[str], None] | None = None,
              keep_downloads: bool = False, **kw: Any):
        """Fetch ``names`` (default: every default entry). See :func:`fetch.fetch_entries`."""
        from .fetch import fetch_entries

        return fetch_entries(self, list(names) if names else self.default_names(), progress=progress,
                             keep_downloads=keep_downloads, **kw)


def data_store(data_dir: str | Path | None = None, manifests: Sequence[str | Path] | None = None) -> ModelStore:
    """A store over the data manifests (samples/data/*.toml) and the data dir."""
    return ModelStore(data_dir, manifest=load_data_manifest(manifests))


@dataclass(frozen=True)
class ModelInfo:
    """One row of ``models list``."""

    name: str
    task: str
    licence: str
    default: bool
    present: bool
    size: int | None
    path: str
    runtime: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "sources": list(self.sources)}


def model_infos(store: ModelStore) -> list[ModelInfo]:
    out = []
    for spec in store.specs():
        present = store.is_present(spec.name)
        path = str(store.overrides.get(spec.name) or store._location(spec))
        sources = tuple(dict.fromkeys(s.describe() for f in spec.files for s in f.sources))
        out.append(ModelInfo(spec.name, spec.task, spec.licence, spec.default, present, spec.size, path,
                             spec.runtime, sources))
    return out
