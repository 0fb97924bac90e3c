"""Small helpers the network and account checks share: evidence rows, input summaries, focus."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..types import Evidence
from .eventlog import EventLog
from .readers import ReadResult, iso_utc

MAX_EVIDENCE = 12


def event_evidence(log: EventLog, i: int, text: str) -> Evidence:
    return Evidence(kind="log_line", summary=f"{iso_utc(float(log.ts[i]))} {text}", ref=log.ref(int(i)))


def row_evidence(result: ReadResult, line: int, text: str) -> Evidence:
    return Evidence(kind="log_line", summary=text, ref=f"{Path(result.path).name}:{line}")


def input_details(*results: ReadResult | None) -> dict[str, Any]:
    """``details["inputs"]``: rows used and bad rows left out, per input file."""
    return {"inputs": [r.summary(max_problems=5) for r in results if r is not None]}


def bad_rows_note(*results: ReadResult | None) -> str:
    bad = sum(r.bad_rows for r in results if r is not None)
    return f" ({bad} malformed row{'s' if bad != 1 else ''} left out, see details)" if bad else ""


def candidate_focus(log: EventLog, candidate_id: str | None) -> np.ndarray:
    """Events about the case's candidate when the log names them; otherwise every event."""
    if candidate_id and candidate_id in log.candidate_values:
        code = log.candidate_values.index(candidate_id)
        mask = log.candidate == code
        if mask.any():
            return mask
    return np.ones(len(log), bool)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
