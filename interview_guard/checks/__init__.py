"""Check registry. Each family module registers its checks with ``@register_check``;
``CHECK_MODULES`` lists them and is imported lazily (no import-time side effects here)."""
from __future__ import annotations

import importlib
import logging
from typing import Mapping

from .base import CaseContext, Check, Link, errored, flag, ok, signal, skipped

logger = logging.getLogger(__name__)

CHECK_MODULES: tuple[str, ...] = (
    "interview_guard.checks.face",
    "interview_guard.checks.liveness",
    "interview_guard.checks.speech",
    "interview_guard.checks.network",
    "interview_guard.checks.account",
    "interview_guard.checks.documents",
    "interview_guard.checks.resume",
)

_CHECKS: dict[str, type] = {}
_LOADED = False
_IMPORT_ERRORS: dict[str, str] = {}


def register_check(cls: type) -> type:
    for attr in ("name", "needs", "signals", "run"):
        if not hasattr(cls, attr):
            raise TypeError(f"check {cls.__name__} lacks {attr!r}")
    if cls.name in _CHECKS and _CHECKS[cls.name] is not cls:
        raise ValueError(f"check {cls.name!r} is registered twice")
    _CHECKS[cls.name] = cls
    return cls


def load_check_modules() -> None:
    global _LOADED
    if _LOADED:
        return
    for mod in CHECK_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name and mod.startswith(e.name):  # family not written yet
                continue
            _IMPORT_ERRORS[mod] = str(e)
            logger.warning("check module %s failed to import: %s", mod, e)
        except Exception as e:
            _IMPORT_ERRORS[mod] = f"{type(e).__name__}: {e}"
            logger.warning("check module %s failed to import: %s", mod, e)
    _LOADED = True


def registered_checks() -> Mapping[str, type]:
    load_check_modules()
    return dict(_CHECKS)


def import_errors() -> Mapping[str, str]:
    return dict(_IMPORT_ERRORS)


__all__ = ["CaseContext", "Check", "Link", "register_check", "registered_checks", "signal", "ok",
           "flag", "skipped", "errored", "load_check_modules", "import_errors"]
