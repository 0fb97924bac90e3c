"""The local model store: locate, override and verify manifest models.

``models/manifest.toml`` lists every model: its files, their sha256 and size, the licence,
and the registry packages the files come from (parsed by :mod:`.manifest`).
Data manifests (``samples/data/*.toml``) use the same format with ``destination = "data"``.

:class:`ModelStore` locates fetched files (``<models dir>/<name>/<file path>``), lets a user
path override any model, and verifies sha256 with a stamp file (``<name>/.verified``) so a
repeated verify of the 145 MB Whisper model costs one ``stat`` unless the file changed.
Fetching lives in :mod:`interview_guard.runtime.fetch`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, Sequence

from ..errors import InputError, ModelError
from ..hashing import sha256_file
from .manifest import (  # noqa: F401
    DESTINATIONS,
    SOURCE_KINDS,
    TRANSFORMS,
    Manifest,
    ModelFile,
    ModelSpec,
    Part,
    Source,
    combined_digest,
    data_manifest_paths,
    default_manifest_path,
    load_data_manifest,
    load_manifest,
    merge_manifests,
    parse_manifest,
)
from .stamps import FileCheck, check_file, read_stamp, write_stamp

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- verification
ModelStatus = Literal["verified", "missing", "corrupt", "override"]


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
            # a name the manifest does not know is the caller's mistake (exit 2), not a missing file
            raise InputError(f"unknown {what} {name!r}; known: {', '.join(self.names()) or 'none'}",
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
        stamp = read_stamp(folder) if use_stamp else {}
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
            write_stamp(folder, stamp)
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
