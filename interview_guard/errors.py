"""Exception hierarchy.  Each error carries the CLI exit code it maps to.

0 ok, 1 internal error, 2 bad input, 3 missing model or dependency.
"""
from __future__ import annotations

from pathlib import Path


class InterviewGuardError(Exception):
    """Base class for every error the tool raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def one_line(self) -> str:
        text = " ".join(self.message.split())
        if self.fix:
            text += f" (fix: {self.fix})"
        return text


class InputError(InterviewGuardError, ValueError):
    """The user gave a file or value we cannot use; the message says which and why."""

    exit_code = 2


class LimitExceeded(InputError):
    """An input is larger than the configured limits (duration, pixels, bytes)."""


class ModelError(InterviewGuardError):
    """A model file is missing, corrupt or failed to load."""

    exit_code = 3


class DependencyMissing(InterviewGuardError):
    """An optional package or system tool is not installed."""

    exit_code = 3


class FeatureUnavailable(Exception):
    """A feature cannot be computed for this case.

    ``error=False``: an input is simply absent (the check is ``skipped``);
    ``error=True``: something failed while computing it (the check is ``error``).
    """

    def __init__(self, reason: str, *, error: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


def require_file(path: str | Path, what: str, max_bytes: int, limit_name: str) -> Path:
    """The checks every reader starts with: exists, a regular file, not empty, not too big."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} not found: {p}")
    if p.is_dir():
        raise InputError(f"{what} is a directory, not a file: {p}")
    if not p.is_file():
        raise InputError(f"{what} is not a regular file: {p}")
    size = p.stat().st_size
    if size == 0:
        raise InputError(f"{what} is empty (0 bytes): {p}")
    if size > max_bytes:
        raise LimitExceeded(f"{what} {p} is {size / 2**20:.1f} MiB, over the limit of "
                            f"{max_bytes / 2**20:.0f} MiB ({limit_name})")
    return p
