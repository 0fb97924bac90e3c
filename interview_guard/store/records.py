"""Result types the store hands back (frozen dataclasses, JSON-ready via ``to_dict``)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LinkHit:
    """Another case that recorded the same (normalised) value."""

    candidate_id: str | None
    case_id: str
    kind: str
    value: str
    analyzed_at: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EmbeddingHit:
    """Another case with an embedding whose cosine similarity reached the threshold."""

    candidate_id: str | None
    case_id: str
    similarity: float
    analyzed_at: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AnalysisSummary:
    analysis_id: str
    case_id: str
    candidate_id: str | None
    analyzed_at: str
    analyst: str
    policy_version: str
    risk_level: str
    risk_score: float
    flagged: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["flagged"] = list(self.flagged)
        return d


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    case_id: str | None
    candidate_id: str | None
    inputs: tuple[dict, ...]
    models: tuple[dict, ...]
    policy_version: str | None
    detail: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["inputs"], d["models"] = list(self.inputs), list(self.models)
        return d

    @classmethod
    def from_row(cls, row: tuple) -> "AuditEntry":
        return cls(id=row[0], at=row[1], actor=row[2], action=row[3], case_id=row[4], candidate_id=row[5],
                   inputs=tuple(_loads_list(row[6])), models=tuple(_loads_list(row[7])),
                   policy_version=row[8], detail=row[9])


@dataclass(frozen=True)
class PurgeResult:
    """What a biometric purge removed (``int(result)`` is the total)."""

    embeddings: int
    thumbnails: int
    reports: int

    def __int__(self) -> int:
        return self.embeddings + self.thumbnails

    def to_dict(self) -> dict:
        return {**asdict(self), "total": int(self)}


def _loads_list(text: Any) -> list:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []
