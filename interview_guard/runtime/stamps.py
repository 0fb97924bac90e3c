"""Verification stamps: a ``.verified`` JSON file per model folder records each file's size,
mtime and sha256 when it was last hashed, so a later check of an unchanged file is a ``stat``.
Shared by :mod:`.models` (verify) and :mod:`.fetch` (after a download)."""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

from ..hashing import sha256_file
from .manifest import ModelFile

logger = logging.getLogger(__name__)

STAMP_NAME = ".verified"

FileStatus = Literal["ok", "missing", "size", "sha256"]


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


def read_stamp(folder: Path) -> dict[str, dict[str, Any]]:
    """The folder's stamp ({rel_path: {size, mtime_ns, sha256}}); {} if absent or unreadable."""
    try:
        data = json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_stamp(folder: Path, stamp: Mapping[str, Any]) -> None:
    """Replace the folder's stamp atomically; a read-only folder is logged and skipped."""
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
    stamp = read_stamp(folder)
    stamp[rel_path] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
    write_stamp(folder, stamp)


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
