"""Check registry: the one place check and signal names come from.

Each family module registers its checks with ``@register_check``; ``CHECK_MODULES`` lists them
and is imported lazily (no import-time side effects here). Naming rule, enforced at
registration: a check that emits one signal is named after that signal
(``network.anonymizer``); a check that emits several is named after their common family
(``face`` for ``face.presence``, ``face.multiple_people``, ...). Signal names are
``family.name`` in lower case. The policy, the CLI's ``--checks``, the app's lists and the
services' subsets are all derived from this registry.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, TypeVar, cast

from ..errors import InputError
from ..features import import_modules
from .base import CaseContext, Check, Link, errored, flag, ok, signal, skipped

CHECK_MODULES: tuple[str, ...] = (
    "interview_guard.checks.face",
    "interview_guard.checks.liveness",
    "interview_guard.checks.speech",
    "interview_guard.checks.network",
    "interview_guard.checks.account",
    "interview_guard.checks.documents",
    "interview_guard.checks.resume",
)

SIGNAL_NAME = re.compile(r"^[a-z]+\.[a-z_]+$")

_CHECKS: dict[str, type[Check]] = {}
_C = TypeVar("_C", bound=type)
_LOADED = False
_IMPORT_ERRORS: dict[str, str] = {}


def expected_check_name(signals: Iterable[str]) -> str:
    """The name the naming rule gives a check that emits ``signals``."""
    names = tuple(signals)
    if not names:
        raise TypeError("a check must declare at least one signal")
    for s in names:
        if not SIGNAL_NAME.match(s):
            raise TypeError(f"signal name {s!r} is not 'family.name' in lower case")
    if len(names) == 1:
        return names[0]
    families = {s.split(".", 1)[0] for s in names}
    if len(families) != 1:
        raise TypeError(f"a check emitting several signals must keep to one family, got {sorted(families)}")
    return families.pop()


def register_check(cls: _C) -> _C:
    for attr in ("name", "needs", "signals", "run"):
        if not hasattr(cls, attr):
            raise TypeError(f"check {cls.__name__} lacks {attr!r}")
    check = cast("type[Check]", cls)  # validated above: the attributes the Check protocol declares
    expected = expected_check_name(check.signals)
    if check.name != expected:
        raise TypeError(f"check {cls.__name__} is named {check.name!r}; the naming rule says {expected!r}")
    if check.name in _CHECKS and _CHECKS[check.name] is not cls:
        raise ValueError(f"check {check.name!r} is registered twice")
    _CHECKS[check.name] = check
    return cls


def load_check_modules() -> None:
    global _LOADED
    if _LOADED:
        return
    _IMPORT_ERRORS.update(import_modules(CHECK_MODULES))
    _LOADED = True


def registered_checks() -> Mapping[str, type[Check]]:
    load_check_modules()
    return dict(_CHECKS)


def import_errors() -> Mapping[str, str]:
    return dict(_IMPORT_ERRORS)


def wants(cls: type[Check]) -> frozenset[str]:
    """Features a check uses when they are available (``ctx.optional``), declared as ``wants``."""
    return frozenset(getattr(cls, "wants", frozenset()))


def signal_names(checks: Mapping[str, type[Check]] | None = None) -> tuple[str, ...]:
    """Every signal name the registered checks can emit, sorted."""
    checks = registered_checks() if checks is None else checks
    return tuple(sorted({s for cls in checks.values() for s in cls.signals}))


def families(checks: Mapping[str, type[Check]] | None = None) -> tuple[str, ...]:
    return tuple(sorted({s.split(".", 1)[0] for s in signal_names(checks)}))


def checks_in_families(*family_names: str, checks: Mapping[str, type[Check]] | None = None) -> tuple[str, ...]:
    """Names of the checks whose signals belong to ``family_names`` (e.g. ``"document"``)."""
    checks = registered_checks() if checks is None else checks
    wanted = set(family_names)
    return tuple(sorted(n for n, cls in checks.items() if {s.split(".", 1)[0] for s in cls.signals} & wanted))


def resolve_check_names(names: Iterable[str], checks: Mapping[str, type[Check]] | None = None) -> tuple[str, ...]:
    """Map what a user may type — a check name, a signal name or a family — to check names.

    Unknown names raise InputError (exit 2) listing what is known."""
    checks = registered_checks() if checks is None else checks
    by_signal = {s: n for n, cls in checks.items() for s in cls.signals}
    out: list[str] = []
    unknown: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        if name in checks:
            found = [name]
        elif name in by_signal:
            found = [by_signal[name]]
        else:
            found = list(checks_in_families(name, checks=checks))
        if not found:
            unknown.append(raw)
        out.extend(n for n in found if n not in out)
    if unknown:
        raise InputError(f"unknown check(s): {', '.join(unknown)}; known checks: {', '.join(sorted(checks))} "
                         f"(a family such as {', '.join(families(checks))} selects all of its checks)")
    return tuple(out)


__all__ = ["CaseContext", "Check", "Link", "register_check", "registered_checks", "signal", "ok",
           "flag", "skipped", "errored", "load_check_modules", "import_errors", "wants", "signal_names",
           "families", "checks_in_families", "resolve_check_names", "expected_check_name"]
