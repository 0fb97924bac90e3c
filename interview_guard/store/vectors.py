"""In-memory cosine index over the stored embeddings of one kind.

Rows are loaded from SQLite once and L2-normalised, so a query is one matrix-vector
product. New rows written through the same Store are appended incrementally (link ids
only grow); a purge or a write from another process triggers a full reload.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class VectorIndex:
    """Embeddings of one kind, grouped by dimension (a different model = another dim)."""

    kind: str
    max_id: int = 0
    by_dim: dict[int, "_Block"] = field(default_factory=dict)

    def add_rows(self, rows: list[tuple]) -> None:
        """rows: (id, candidate_id, case_id, analyzed_at, dim, vector blob)."""
        grouped: dict[int, list[tuple]] = {}
        for row in rows:
            grouped.setdefault(int(row[4]), []).append(row)
            self.max_id = max(self.max_id, int(row[0]))
        for dim, group in grouped.items():
            mat = np.frombuffer(b"".join(r[5] for r in group), dtype="<f4").reshape(len(group), dim)
            norms = np.linalg.norm(mat, axis=1, keepdims=True)
            mat = (mat / np.maximum(norms, 1e-12)).astype(np.float32)
            block = self.by_dim.get(dim)
            if block is None:
                self.by_dim[dim] = _Block(
                    matrix=mat,
                    candidates=np.array([r[1] for r in group], dtype=object),
                    cases=np.array([r[2] for r in group], dtype=object),
                    analyzed_at=[r[3] for r in group])
            else:
                block.extend(mat, [r[1] for r in group], [r[2] for r in group], [r[3] for r in group])

    def __len__(self) -> int:
        return sum(b.matrix.shape[0] for b in self.by_dim.values())

    def search(self, vector: np.ndarray, threshold: float, exclude_candidate: str | None,
               exclude_case: str | None) -> list[tuple[str | None, str, float, str]]:
        """Best similarity per (candidate, case) at or above ``threshold``, highest first."""
        block = self.by_dim.get(vector.shape[0])
        if block is None or block.matrix.shape[0] == 0:
            return []
        q = vector / max(float(np.linalg.norm(vector)), 1e-12)
        sims = block.matrix @ q.astype(np.float32)
        mask = sims >= threshold
        if exclude_candidate is not None:
            mask &= block.candidates != exclude_candidate
        if exclude_case is not None:
            mask &= block.cases != exclude_case
        best: dict[tuple[str | None, str], tuple[float, str]] = {}
        for i in np.flatnonzero(mask):
            key = (block.candidates[i], block.cases[i])
            sim = float(sims[i])
            if key not in best or sim > best[key][0]:
                best[key] = (sim, block.analyzed_at[i])
        hits = [(cand, case, sim, at) for (cand, case), (sim, at) in best.items()]
        hits.sort(key=lambda h: -h[2])
        return hits


@dataclass
class _Block:
    matrix: np.ndarray
    candidates: np.ndarray
    cases: np.ndarray
    analyzed_at: list[str]

    def extend(self, mat: np.ndarray, candidates: list, cases: list, analyzed_at: list[str]) -> None:
        self.matrix = np.concatenate([self.matrix, mat])
        self.candidates = np.concatenate([self.candidates, np.array(candidates, dtype=object)])
        self.cases = np.concatenate([self.cases, np.array(cases, dtype=object)])
        self.analyzed_at.extend(analyzed_at)
