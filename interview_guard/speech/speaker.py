"""Speaker embeddings per speech span, clustering into voices, interviewer vs candidate.

* ``SpeakerStream`` (stream extractor): for every VAD span it embeds 0.83 s windows every
  0.4 s with the 256-d d-vector model. Only embeddings are kept, never audio.
* ``diarize``: spans are cut into ~2 s pieces, pieces are clustered (average-linkage
  agglomerative clustering on cosine similarity), consecutive pieces of one voice form turns.
* ``assign_roles``: the interviewer is the voice closest to an ``--interviewer-sample`` when one
  is given; otherwise, with three or more voices, the voice that asks the questions (turns ending
  in "?") or speaks first. Every other voice is the candidate's side.

Limits (measured, see benchmarks/results/asr.md): the embedder separates voices recorded on
different channels well, but two speakers on the *same* telephone channel score as high as one
speaker with itself, so a proxy on the same line can go unseen. Never a verdict on its own.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .buffer import AudioBuffer
from .embedder import STRIDE_S, WINDOW_S, SpeakerEmbedder, l2n
from .vad import SpeechSpan, VadChunk

if TYPE_CHECKING:
    from ..types import AudioChunk, Transcript

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeakerOptions:
    min_span_s: float = 0.9  # shorter spans ("yes", "mm") give unreliable embeddings
    piece_windows: int = 4  # windows per clustering piece: 4 x 0.4 s stride ~ 2 s of audio
    cluster_threshold: float = 0.62  # merge clusters while average similarity >= this
    min_cluster_s: float = 2.0  # smaller clusters are folded into the nearest voice
    turn_gap_s: float = 1.0  # pieces of one voice closer than this form one turn
    interviewer_threshold: float = 0.6
    min_voice_share: float = 0.15  # a second candidate voice must hold this share of speech
    min_voice_s: float = 5.0  # ... and at least this many seconds


@dataclass(frozen=True)
class SpanEmbeddings:
    """Window embeddings of one speech span (per-chunk result of ``speaker_windows``)."""

    span: SpeechSpan
    vectors: np.ndarray  # (n, 256) unit vectors
    times: np.ndarray  # (n,) window centres, seconds


@dataclass(frozen=True)
class SpeakerWindows:
    spans: tuple[SpanEmbeddings, ...]

    @property
    def count(self) -> int:
        return int(sum(len(s.vectors) for s in self.spans))


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: int


@dataclass(frozen=True)
class Voice:
    """One cluster: a voice heard in the recording."""

    label: int
    speech_s: float
    turns: int
    centroid: np.ndarray


@dataclass(frozen=True)
class Diarization:
    turns: tuple[SpeakerTurn, ...]
    voices: tuple[Voice, ...]
    threshold: float

    def voice(self, label: int) -> Voice:
        return next(v for v in self.voices if v.label == label)


@dataclass(frozen=True)
class Roles:
    interviewer: tuple[int, ...]
    candidate: tuple[int, ...]
    method: str  # "sample", "questions", "first_speaker", "single", "two_voices"
    interviewer_similarity: float | None = None


# --------------------------------------------------------------------------- streaming
class SpeakerStream:
    def __init__(self, embedder: SpeakerEmbedder, opts: SpeakerOptions | None = None) -> None:
        self.embedder = embedder
        self.opts = opts or SpeakerOptions()
        self.buffer = AudioBuffer()
        self.spans: list[SpanEmbeddings] = []
        self.open_since: float | None = None

    def add(self, chunk: "AudioChunk", vad: VadChunk) -> tuple[SpanEmbeddings, ...]:
        self.buffer.add(chunk.t, chunk.samples)
        out = [e for span in vad.closed if (e := self._embed(span)) is not None]
        self.open_since = vad.open_since
        keep = self.buffer.end - 1.0 if self.open_since is None else self.open_since - 0.1
        self.buffer.drop_before(keep)
        return tuple(out)

    def _embed(self, span: SpeechSpan) -> SpanEmbeddings | None:
        if span.duration < self.opts.min_span_s:
            return None
        vectors = self.embedder.windows(self.buffer.slice(span.start, span.end))
        if not len(vectors):
            return None
        times = span.start + WINDOW_S / 2 + STRIDE_S * np.arange(len(vectors))
        e = SpanEmbeddings(span=span, vectors=vectors, times=times.astype(np.float32))
        self.spans.append(e)
        return e

    def finish(self) -> SpeakerWindows:
        if self.open_since is not None:
            self._embed(SpeechSpan(self.open_since, self.buffer.end))
            self.open_since = None
        return SpeakerWindows(spans=tuple(self.spans))


def embed_clip(embedder: SpeakerEmbedder, audio: np.ndarray, spans: Sequence[SpeechSpan],
               t0: float = 0.0) -> np.ndarray | None:
    """One voice vector for a clip (e.g. the interviewer sample), from its speech spans only."""
    parts = [embedder.windows(audio[int((s.start - t0) * 16000):int((s.end - t0) * 16000)])
             for s in spans]
    parts = [p for p in parts if len(p)]
    if not parts:
        return None
    return l2n(np.concatenate(parts).mean(axis=0))


# --------------------------------------------------------------------------- clustering
def cluster(vectors: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> np.ndarray:
    """Average-linkage agglomerative clustering on cosine similarity.

    Merges the two most similar clusters while their weighted average similarity is at least
    ``threshold``. Returns labels 0..k-1 (numbered by first appearance). O(n^2) memory; the
    Lance-Williams update keeps each merge O(n).
    """
    x = l2n(np.asarray(vectors, np.float32))
    n = len(x)
    if n == 0:
        return np.zeros(0, int)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    sim = (x @ x.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    alive = np.ones(n, bool)
    size = w.copy()
    members: list[list[int]] = [[i] for i in range(n)]
    for _ in range(n - 1):
        flat = int(np.argmax(sim))
        i, j = divmod(flat, n)
        if not np.isfinite(sim[i, j]) or sim[i, j] < threshold:
            break
        # merge j into i: weighted average of the two rows
        row = (size[i] * sim[i] + size[j] * sim[j]) / (size[i] + size[j])
        sim[i, :] = row
        sim[:, i] = row
        sim[i, i] = -np.inf
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        size[i] += size[j]
        alive[j] = False
        members[i].extend(members[j])
        members[j] = []
    labels = np.empty(n, int)
    for root in np.flatnonzero(alive):
        labels[members[root]] = root
    _, first = np.unique(labels, return_index=True)
    order = {labels[k]: r for r, k in enumerate(sorted(first))}
    return np.array([order[v] for v in labels], int)


@dataclass(frozen=True)
class _Piece:
    start: float
    end: float
    vector: np.ndarray


def _pieces(spans: Sequence[SpanEmbeddings], per_piece: int) -> list[_Piece]:
    out: list[_Piece] = []
    for s in spans:
        n = len(s.vectors)
        cuts = list(range(0, n, per_piece))
        if len(cuts) > 1 and n - cuts[-1] < max(2, per_piece // 2):
            cuts.pop()  # a short tail joins the previous piece
        for k, a in enumerate(cuts):
            b = cuts[k + 1] if k + 1 < len(cuts) else n
            start = s.span.start if k == 0 else float(s.times[a] - STRIDE_S / 2)
            end = s.span.end if b == n else float(s.times[b - 1] + STRIDE_S / 2)
            out.append(_Piece(start, end, l2n(s.vectors[a:b].mean(axis=0))))
    return out


def diarize(windows: SpeakerWindows, opts: SpeakerOptions | None = None) -> Diarization:
    """Voices and turns from span embeddings."""
    opts = opts or SpeakerOptions()
    pieces = _pieces(windows.spans, opts.piece_windows)
    if not pieces:
        return Diarization(turns=(), voices=(), threshold=opts.cluster_threshold)
    vecs = np.stack([p.vector for p in pieces])
    durs = np.array([p.end - p.start for p in pieces])
    labels = cluster(vecs, opts.cluster_threshold, durs)
    labels = _fold_small(vecs, durs, labels, opts.min_cluster_s)
    # number voices by speaking time, largest first
    totals = {lab: durs[labels == lab].sum() for lab in np.unique(labels)}
    rank = {lab: r for r, lab in enumerate(sorted(totals, key=lambda k: -totals[k]))}
    labels = np.array([rank[v] for v in labels], int)
    turns: list[SpeakerTurn] = []
    for p, lab in zip(pieces, labels):
        if turns and turns[-1].speaker == lab and p.start - turns[-1].end < opts.turn_gap_s:
            turns[-1] = SpeakerTurn(turns[-1].start, max(turns[-1].end, p.end), int(lab))
        else:
            turns.append(SpeakerTurn(round(p.start, 3), round(p.end, 3), int(lab)))
    voices = []
    for lab in sorted(set(labels.tolist())):
        mask = labels == lab
        voices.append(Voice(label=lab, speech_s=round(float(durs[mask].sum()), 2),
                            turns=sum(1 for t in turns if t.speaker == lab),
                            centroid=l2n((vecs[mask] * durs[mask, None]).sum(axis=0))))
    return Diarization(turns=tuple(turns), voices=tuple(voices), threshold=opts.cluster_threshold)


def _fold_small(vecs: np.ndarray, durs: np.ndarray, labels: np.ndarray, min_s: float) -> np.ndarray:
    labels = labels.copy()
    while True:
        totals = {lab: durs[labels == lab].sum() for lab in np.unique(labels)}
        small = [lab for lab, t in totals.items() if t < min_s]
        if not small or len(totals) == 1:
            return labels
        lab = min(small, key=lambda k: totals[k])
        others = [k for k in totals if k != lab]
        cents = {k: l2n(vecs[labels == k].mean(axis=0)) for k in others}
        me = l2n(vecs[labels == lab].mean(axis=0))
        labels[labels == lab] = max(others, key=lambda k: float(me @ cents[k]))


# --------------------------------------------------------------------------- roles
def _question_share(diar: Diarization, label: int, transcript: "Transcript | None") -> float:
    if transcript is None:
        return 0.0
    turns = [t for t in diar.turns if t.speaker == label]
    if not turns:
        return 0.0
    asked = 0
    for t in turns:
        text = " ".join(s.text for s in transcript.segments
                        if min(t.end, s.end) - max(t.start, s.start) > 0.5 * max(1e-3, s.end - s.start))
        if text.strip().endswith(("?", "？")):
            asked += 1
    return asked / len(turns)


def assign_roles(diar: Diarization, interviewer_vector: np.ndarray | None = None,
                 transcript: "Transcript | None" = None, opts: SpeakerOptions | None = None) -> Roles:
    opts = opts or SpeakerOptions()
    labels = [v.label for v in diar.voices]
    if interviewer_vector is not None and labels:
        sims = {v.label: float(v.centroid @ l2n(interviewer_vector)) for v in diar.voices}
        inter = tuple(k for k in labels if sims[k] >= opts.interviewer_threshold)
        if not inter and len(labels) > 1:  # nothing close: take the nearest voice only
            inter = (max(sims, key=lambda k: sims[k]),)
        best = max(sims[k] for k in inter) if inter else None
        return Roles(interviewer=inter, candidate=tuple(k for k in labels if k not in inter),
                     method="sample", interviewer_similarity=best)
    if len(labels) <= 1:
        return Roles(interviewer=(), candidate=tuple(labels), method="single")
    if len(labels) == 2:
        # Two voices with no sample: taken as interviewer + candidate; the one asking more
        # questions (or speaking first) is the interviewer.
        picked = _pick_interviewer(diar, labels, transcript)
        return Roles(interviewer=(picked,), candidate=tuple(k for k in labels if k != picked),
                     method="two_voices")
    picked = _pick_interviewer(diar, labels, transcript)
    method = "questions" if _question_share(diar, picked, transcript) > 0 else "first_speaker"
    return Roles(interviewer=(picked,), candidate=tuple(k for k in labels if k != picked), method=method)


def _pick_interviewer(diar: Diarization, labels: list[int], transcript: "Transcript | None") -> int:
    shares = {k: _question_share(diar, k, transcript) for k in labels}
    if max(shares.values()) > 0:
        return max(labels, key=lambda k: (shares[k], -diar.voice(k).speech_s))
    return diar.turns[0].speaker


@dataclass(frozen=True)
class VoiceChange:
    """The candidate side's voices and whether more than one holds a real share of speech."""

    voices: tuple[Voice, ...]  # candidate-side voices with enough speech, largest first
    changed: bool
    similarity: float | None  # between the two largest candidate voices
    candidate_vector: np.ndarray | None  # speech-weighted mean of the main candidate voice


def candidate_voices(diar: Diarization, roles: Roles, opts: SpeakerOptions | None = None) -> VoiceChange:
    opts = opts or SpeakerOptions()
    side = sorted((diar.voice(k) for k in roles.candidate), key=lambda v: -v.speech_s)
    total = sum(v.speech_s for v in side)
    real = tuple(v for v in side if v.speech_s >= opts.min_voice_s and v.speech_s >= opts.min_voice_share * total)
    sim = float(real[0].centroid @ real[1].centroid) if len(real) >= 2 else None
    main = side[0].centroid if side else None
    return VoiceChange(voices=real, changed=len(real) >= 2, similarity=sim, candidate_vector=main)


def turn_accuracy(pred: Sequence[SpeakerTurn], ref: Sequence[tuple[float, float, str]], step: float = 0.05) -> float:
    """Frame accuracy of speaker labels over the reference's speech, under the best one-to-one
    mapping of predicted voices to reference speakers (overlaps are skipped)."""
    from itertools import permutations

    if not ref:
        return 0.0
    t_end = max(b for _, b, _ in ref)
    grid = np.arange(0.0, t_end, step)
    spk_names = sorted({s for _, _, s in ref})
    ref_lab = np.full(len(grid), -1)
    count = np.zeros(len(grid), int)
    for a, b, s in ref:
        m = (grid >= a) & (grid < b)
        ref_lab[m] = spk_names.index(s)
        count[m] += 1
    pred_lab = np.full(len(grid), -1)
    for t in pred:
        pred_lab[(grid >= t.start) & (grid < t.end)] = t.speaker
    valid = (count == 1)
    ids, counts = np.unique(pred_lab[valid & (pred_lab >= 0)], return_counts=True)
    pred_ids = [int(i) for i in ids[np.argsort(-counts)][:6]]  # the largest voices; keeps this cheap
    best = 0
    for perm in permutations(range(max(len(spk_names), len(pred_ids)))):
        mapping = {p: perm[i] for i, p in enumerate(pred_ids)}
        mapped = np.array([mapping.get(int(p), -2) for p in pred_lab])
        best = max(best, int(np.sum(valid & (mapped == ref_lab))))
    return best / max(1, int(valid.sum()))
