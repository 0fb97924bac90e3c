"""The manifest format: models/manifest.toml and the data manifests (samples/data/*.toml).

Parsed into frozen dataclasses; every problem raises a ValueError that names the file and the
entry, so a typo in a manifest is caught before anything is downloaded. The format is described
at the top of models/manifest.toml.
"""
from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import ModelError
from .transforms import TRANSFORMS as _TRANSFORM_FUNCS

SOURCE_KINDS = ("pypi", "pypi-sdist", "npm", "deb", "installed", "url", "repo")
TRANSFORMS = tuple(_TRANSFORM_FUNCS)
DESTINATIONS = ("models", "data")
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
    members: tuple[str, ...]
    extra: tuple[Part, ...]
    if kind == "url":
        _check_keys(d, {"kind", "url", "sha256", "transform"}, where, entry)
        url = _str(d, "url", where, entry)
        if not url.startswith("https://"):
            raise where.error(entry, f"url must be https, got {url!r}")
        package, version, members, extra = "", None, (), ()
    elif kind == "repo":  # a small file derived here and committed under models/ (e.g. an export)
        _check_keys(d, {"kind", "path", "sha256", "transform"}, where, entry)
        rel = _str(d, "path", where, entry)
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise where.error(entry, f"'path' must be relative to the repository root, got {rel!r}")
        url, package, version, members, extra = None, "", None, (rel,), ()
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
