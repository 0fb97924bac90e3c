"""The check interface, the context a check sees, and small helpers to build signals."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Mapping, Protocol

from ..errors import FeatureUnavailable
from ..types import DEFAULT_CONFIDENCE, Evidence, Link, Signal, SignalStatus
from ..util import data_uri

if TYPE_CHECKING:
    from ..claims import Claims
    from ..config import AnalyzerConfig
    from ..store import Store
    from ..types import CaseInputs


class Check(Protocol):
    """One check family. ``signals`` lists every signal name it can emit, so the
    pipeline can mark each of them ``skipped`` / ``error`` when the check cannot run."""

    name: ClassVar[str]
    needs: ClassVar[frozenset[str]]
    signals: ClassVar[tuple[str, ...]]

    def run(self, ctx: "CaseContext") -> list[Signal]: ...


class ThumbnailBudget:
    """Frame thumbnails embedded as evidence for one case, honouring ReportOptions
    (on / off, at most ``max_thumbnails`` for the whole report, shared by every check)."""

    def __init__(self, enabled: bool, limit: int) -> None:
        self.enabled = enabled
        self.left = max(0, int(limit))

    def ref(self, jpeg: bytes | None) -> str | None:
        if not self.enabled or not jpeg or self.left <= 0:
            return None
        self.left -= 1
        return data_uri(jpeg)


@dataclass
class CaseContext:
    """What a check sees: features by name, the inputs, claims, config and the store."""

    config: "AnalyzerConfig"
    inputs: "CaseInputs"
    case_id: str
    candidate_id: str | None
    _get: Callable[[str], Any]
    store: "Store | None" = None
    links: list[Link] = field(default_factory=list)
    thumbnails: ThumbnailBudget | None = None

    def thumbnail(self, jpeg: bytes | None) -> str | None:
        """A data URI for a frame thumbnail, or None when the report options say no (more)."""
        if self.thumbnails is None:
            self.thumbnails = ThumbnailBudget(bool(self.config.report.thumbnails), self.config.report.max_thumbnails)
        return self.thumbnails.ref(jpeg)

    def feature(self, name: str) -> Any:
        """The value of feature ``name``; raises FeatureUnavailable (-> skipped / error)."""
        return self._get(name)

    def has(self, name: str) -> bool:
        try:
            self._get(name)
            return True
        except FeatureUnavailable:
            return False

    def optional(self, name: str, default: Any = None) -> Any:
        try:
            return self._get(name)
        except FeatureUnavailable:
            return default

    @property
    def claims(self) -> "Claims":
        """Claims from the claims file merged with the resume (empty Claims if neither)."""
        return self._get("claims")

    def link(self, kind: str, value: Any, source: str = "") -> None:
        """Record a value the store keeps to link candidates across cases."""
        self.links.append(Link(kind, value, source))


def signal(check: str, name: str, status: SignalStatus, *, score: float = 0.0, confidence: float = DEFAULT_CONFIDENCE,
           summary: str = "", evidence: Iterable[Evidence] = (),
           details: Mapping[str, Any] | None = None) -> Signal:
    score = min(1.0, max(0.0, float(score)))
    confidence = min(1.0, max(0.0, float(confidence)))
    return Signal(check=check, name=name, status=status, score=score, confidence=confidence,
                  summary=summary, evidence=tuple(evidence), details=dict(details or {}))


def ok(check: str, name: str, summary: str, **kw: Any) -> Signal:
    return signal(check, name, "ok", summary=summary, **kw)


def flag(check: str, name: str, summary: str, *, score: float, **kw: Any) -> Signal:
    return signal(check, name, "flag", score=score, summary=summary, **kw)


def skipped(check: str, name: str, reason: str) -> Signal:
    return Signal(check=check, name=name, status="skipped", score=0.0, confidence=0.0,
                  summary=reason, details={"reason": reason})


def errored(check: str, name: str, message: str) -> Signal:
    return Signal(check=check, name=name, status="error", score=0.0, confidence=0.0,
                  summary=message, details={"error": message})
