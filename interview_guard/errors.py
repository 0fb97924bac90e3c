"""Exception hierarchy.  Each error carries the CLI exit code it maps to.

0 ok, 1 internal error, 2 bad input, 3 missing model or dependency.
"""
from __future__ import annotations


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
