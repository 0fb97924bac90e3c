"""Rolling decisions of the live session, one small tracker per signal.

Every tracker is fed the per-item results of the SAME stream extractors as the recorded
pipeline (``faces``' FrameFaces, ``screen_cues``' ScreenFrameCues, ``blend_boundary``'s
BlendFrame, ``asr``'s segments, ``speaker_windows``' span embeddings, AASIST windows) and turns
them into an :class:`Indicator`. Thresholds come from AnalyzerConfig (face.match_threshold,
liveness.flag_threshold, speech.speaker_threshold ...) and :class:`LiveTuning`; the scores
follow the formulas of the recorded checks so the live view and the final report agree.

A flag is latched: once a switch of person was seen it stays visible (with its time) for the
rest of the session. Nothing here reads expressions, emotion, accent or anything but
"same face / voice or not" and replay / blending / synthetic-voice cues.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Any, Iterable

import numpy as np

from .options import Indicator, LiveTuning

logger = logging.getLogger(__name__)

PRESENCE = "face.presence"
MULTIPLE = "face.multiple_people"
CONSISTENCY = "face.identity_consistency"
ID_MATCH = "face.id_photo_match"
PRESENTATION = "liveness.presentation_attack"
FACE_SWAP = "deepfake.face_swap"
TRANSCRIPT = "speech.transcript"
SPEAKER = "speech.speaker_consistency"
VOICE = "voice.synthetic"

FACE_INDICATORS = (PRESENCE, MULTIPLE, CONSISTENCY, ID_MATCH, PRESENTATION, FACE_SWAP)
ALL_INDICATORS = FACE_INDICATORS + (TRANSCRIPT, SPEAKER, VOICE)
CHECK_OF = {PRESENCE: "face", MULTIPLE: "face", CONSISTENCY: "face", ID_MATCH: "face",
            PRESENTATION: "liveness_presentation", FACE_SWAP: "deepfake_face_swap", TRANSCRIPT: "speech",
            SPEAKER: "speech", VOICE: "voice_synthetic"}


def smoothstep(lo: float, hi: float, x: float) -> float:
    t = min(1.0, max(0.0, (x - lo) / (hi - lo))) if hi != lo else float(x >= hi)
    return t * t * (3.0 - 2.0 * t)


def unit_vector(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def mismatch_score(similarity: float, threshold: float) -> float:
    """The face check's score for two faces below the match threshold (0.5 .. 1)."""
    return float(np.clip(0.6 + 0.4 * (threshold - similarity) / max(threshold, 1e-6), 0.5, 1.0))


# --------------------------------------------------------------------------- faces
class FaceTracker:
    """Presence, number of faces, identity against the first seconds, ID photo match."""

    def __init__(self, *, match_threshold: float, min_identity_s: float, max_absence_s: float,
                 sample_fps: float, tuning: LiveTuning, id_embedding: np.ndarray | None = None,
                 id_note: str = "") -> None:
        self.thr = float(match_threshold)
        self.min_identity_s = float(min_identity_s)
        self.max_absence_s = float(max_absence_s)
        self.fps = float(sample_fps)
        self.tu = tuning
        self.id_embedding = None if id_embedding is None else unit_vector(np.asarray(id_embedding, np.float32))
        self.id_note = id_note
        self.frames = 0
        self.last_t: float | None = None
        self.last_face_t: float | None = None
        self.first_t: float | None = None
        self._counts: deque[tuple[float, int]] = deque()  # (t, faces) over recent_s
        self._ref: list[np.ndarray] = []
        self._ref_q: list[float] = []
        self.reference: np.ndarray | None = None
        self.ref_until: float | None = None
        self._run: list[tuple[float, float]] = []  # current run of mismatches (t, similarity)
        self.switch: tuple[float, float] | None = None  # latched (t, median similarity)
        self.last_sim: float | None = None
        self.usable = 0
        self._recent: deque[tuple[float, np.ndarray, float]] = deque()  # usable primary faces
        self._id_run: list[tuple[float, float]] = []
        self.id_flag: tuple[float, float] | None = None
        self.multi_flag: tuple[float, int] | None = None
        self._multi_run: list[float] = []
        self.decided: dict[str, float] = {}  # signal -> media time of the frame that made it flag

    # ------------------------------------------------------------------ feeding
    def add(self, t: float, frame_faces: Any) -> None:
        faces = tuple(getattr(frame_faces, "faces", ()) or ())
        self.frames += 1
        self.first_t = t if self.first_t is None else self.first_t
        self.last_t = t
        if faces:
            self.last_face_t = t
        self._counts.append((t, len(faces)))
        while self._counts and self._counts[0][0] < t - self.tu.recent_s:
            self._counts.popleft()
        self._multi(t, len(faces))
        primary = max(faces, key=lambda f: float(f.bbox[2]) * float(f.bbox[3]), default=None)
        if primary is None or primary.embedding is None or not primary.quality.usable:
            return
        emb = unit_vector(np.asarray(primary.embedding, np.float32))
        q = float(primary.quality.score)
        self.usable += 1
        self._recent.append((t, emb, q))
        while self._recent and self._recent[0][0] < t - self.tu.recent_s:
            self._recent.popleft()
        self._identity(t, emb, q)
        self._id_photo(t)

    def _multi(self, t: float, n: int) -> None:
        if n >= 2:
            self._multi_run.append(t)
            need = max(1, int(round(self.min_identity_s * self.fps)))
            if len(self._multi_run) >= need and self.multi_flag is None:
                self.multi_flag = (self._multi_run[0], n)
                self.decided[MULTIPLE] = t
        else:
            self._multi_run.clear()

    def _persisted(self, run: list[tuple[float, float]]) -> bool:
        return len(run) >= self.tu.persist_min_samples and run[-1][0] - run[0][0] >= self.tu.persist_s - 1e-6

    def _identity(self, t: float, emb: np.ndarray, q: float) -> None:
        if self.reference is None:
            self._ref.append(emb)
            self._ref_q.append(q)
            # add() sets first_t before it gets here
            if (len(self._ref) >= self.tu.establish_min_samples and self.first_t is not None
                    and t - self.first_t >= self.tu.establish_s):
                w = np.asarray(self._ref_q, np.float32) + 1e-3
                self.reference = unit_vector((np.stack(self._ref) * w[:, None]).sum(axis=0))
                self.ref_until = t
            return
        sim = float(self.reference @ emb)
        self.last_sim = sim
        if sim < self.thr:
            self._run.append((t, sim))
            if self.switch is None and self._persisted(self._run):
                self.switch = (self._run[0][0], float(np.median([s for _, s in self._run])))
                self.decided[CONSISTENCY] = t
        else:
            self._run.clear()

    def _id_photo(self, t: float) -> None:
        if self.id_embedding is None or not self._recent:
            return
        sim = float(self.id_embedding @ emb_mean([e for _, e, _ in self._recent]))
        if sim < self.thr:
            self._id_run.append((t, sim))
            if self.id_flag is None and self._persisted(self._id_run) and self.reference is not None:
                self.id_flag = (self._id_run[0][0], float(np.median([s for _, s in self._id_run])))
                self.decided[ID_MATCH] = t
        else:
            self._id_run.clear()

    # ------------------------------------------------------------------ reading
    def _confidence(self) -> float:
        if not self._recent:
            return 0.0
        q = float(np.mean([q for _, _, q in self._recent]))
        return float(np.clip((0.4 + 0.6 * q) * smoothstep(0, 10, self.usable), 0.0, 1.0))

    def indicators(self, stale_since: float | None) -> list[Indicator]:
        """``stale_since``: media time of the last frame when the video stopped (faces pending)."""
        if self.frames == 0 or stale_since is not None:
            why = "waiting for video" if self.frames == 0 else f"no video since {stale_since:.1f} s"
            out = [Indicator(n, "pending", summary=why) for n in (PRESENCE, MULTIPLE, CONSISTENCY)]
            if self.id_embedding is not None or self.id_note:
                out.append(self._id_indicator() if self.frames and self.id_flag else
                           Indicator(ID_MATCH, "pending" if self.id_embedding is not None else "skipped",
                                     summary=why if self.id_embedding is not None else self.id_note))
            return [self._latched(i) for i in out]
        return [self._presence(), self._multiple(), self._consistency(), self._id_indicator()]

    def _latched(self, ind: Indicator) -> Indicator:
        """A latched flag stays visible while the video is paused."""
        if ind.name == CONSISTENCY and self.switch is not None:
            return self._consistency()
        if ind.name == MULTIPLE and self.multi_flag is not None:
            return self._multiple()
        return ind

    def _presence(self) -> Indicator:
        share = float(np.mean([n > 0 for _, n in self._counts])) if self._counts else 0.0
        absent = 0.0 if self.last_face_t is not None and self.last_face_t >= (self.last_t or 0) else \
            (self.last_t or 0) - (self.last_face_t if self.last_face_t is not None else (self.first_t or 0))
        conf = smoothstep(0, 10, self.frames / max(self.fps, 1e-6))
        if absent > self.max_absence_s:
            return Indicator(PRESENCE, "flag", score=min(1.0, max(0.3, absent / (4 * self.max_absence_s))),
                             confidence=max(0.3, conf), summary=f"no face for {absent:.0f} s",
                             evidence_t=self.last_face_t)
        now = "a face is visible" if absent == 0 else f"no face for {absent:.1f} s"
        return Indicator(PRESENCE, "ok", confidence=conf, summary=f"{now} ({share:.0%} of the last "
                         f"{self.tu.recent_s:.0f} s)")

    def _multiple(self) -> Indicator:
        now = max((n for _, n in self._counts), default=0)
        if self.multi_flag is not None:
            t, n = self.multi_flag
            return Indicator(MULTIPLE, "flag", score=min(1.0, 0.5 + 0.1 * (n - 2)), confidence=0.6,
                             summary=f"{n} faces at once from {t:.1f} s (now up to {now})", evidence_t=t)
        return Indicator(MULTIPLE, "ok", confidence=smoothstep(0, 10, self.frames / max(self.fps, 1e-6)),
                         summary="one face at a time" if now else "no face in view")

    def _consistency(self) -> Indicator:
        if self.switch is not None:
            t, sim = self.switch
            back = self.last_sim is not None and self.last_sim >= self.thr
            return Indicator(CONSISTENCY, "flag", score=mismatch_score(sim, self.thr),
                             confidence=max(0.3, self._confidence() or 0.5),
                             summary=f"a different person from {t:.1f} s (similarity {sim:.2f} < {self.thr:.2f})"
                             + ("; the first person is back now" if back else ""), evidence_t=t)
        if self.reference is None:
            return Indicator(CONSISTENCY, "pending", summary="establishing the identity at the start "
                             f"({len(self._ref)} usable face(s) so far)")
        now_sim = "" if self.last_sim is None else f" (similarity now {self.last_sim:.2f})"
        return Indicator(CONSISTENCY, "ok", confidence=self._confidence(),
                         summary=f"the same person as at the start{now_sim}")

    def _id_indicator(self) -> Indicator:
        if self.id_embedding is None:
            return Indicator(ID_MATCH, "skipped", active=False, summary=self.id_note or "no ID photo given",
                             note=self.id_note or "give an ID photo to compare")
        if self.id_flag is not None:
            t, sim = self.id_flag
            return Indicator(ID_MATCH, "flag", score=mismatch_score(sim, self.thr),
                             confidence=max(0.3, self._confidence()), evidence_t=t,
                             summary=f"the person on camera does not match the ID photo from {t:.1f} s "
                             f"(similarity {sim:.2f} < {self.thr:.2f})")
        if not self._recent:
            return Indicator(ID_MATCH, "pending", summary="waiting for a usable face")
        sim = float(self.id_embedding @ emb_mean([e for _, e, _ in self._recent]))
        if sim < self.thr:
            return Indicator(ID_MATCH, "pending", summary=f"similarity to the ID photo {sim:.2f}: confirming")
        return Indicator(ID_MATCH, "ok", confidence=self._confidence(),
                         summary=f"matches the ID photo (similarity {sim:.2f})")


def emb_mean(vectors: list[np.ndarray]) -> np.ndarray:
    return unit_vector(np.mean(np.stack(vectors), axis=0))


# --------------------------------------------------------------------------- liveness / deepfake
class ScreenTracker:
    """Screen-replay cues (moiré, bezel, glare) over the recent frames; FAS strengthens them."""

    def __init__(self, flag_threshold: float, tuning: LiveTuning, fas_note: str = "",
                 fas_threshold: float = 0.1826) -> None:
        self.thr = float(flag_threshold)
        self.tu = tuning
        self.fas_note = fas_note
        self.fas_threshold = fas_threshold
        self.cues: deque[tuple[float, float]] = deque(maxlen=20)
        self.fas: list[tuple[float, float]] = []
        self.flagged: tuple[float, float] | None = None

    def add(self, t: float, cues: Any) -> None:
        if cues is not None:
            self.cues.append((t, float(cues.score)))

    def add_fas(self, t: float, sample: Any) -> None:
        if sample is not None:
            self.fas.append((t, float(sample.liveness)))

    def indicator(self) -> Indicator:
        if not self.cues:
            return Indicator(PRESENTATION, "pending", summary="waiting for a face", note=self.fas_note)
        med = float(np.median([s for _, s in self.cues]))
        fas_score = 0.0
        if self.fas:
            from ..vision.liveness import spoof_strength

            fas_score = spoof_strength(float(np.median([v for _, v in self.fas])), self.fas_threshold)
        score = max(med, min(0.45, 0.8 * fas_score), min(1.0, 0.6 * med + 0.6 * fas_score))
        conf = smoothstep(1.0, 8.0, len(self.cues))
        if score >= self.thr and conf >= 0.25 and self.flagged is None:
            self.flagged = (self.cues[0][0], score)
        if self.flagged is not None:
            t, s = self.flagged
            return Indicator(PRESENTATION, "flag", score=max(s, score), confidence=conf, evidence_t=t,
                             summary=f"screen-replay cues (moiré / bezel / glare) from {t:.1f} s; "
                             "verify with a live challenge", note=self.fas_note)
        return Indicator(PRESENTATION, "ok", score=score, confidence=conf,
                         summary=f"no sign of a screen replay (cue score {med:.2f})", note=self.fas_note)


class BlendTracker:
    """Blending-boundary evidence on a sparse sample of frames (the face-swap check's formula)."""

    def __init__(self, flag_threshold: float, every_s: float) -> None:
        self.thr = float(flag_threshold)
        self.every_s = every_s
        self.frames: deque[tuple[float, float, float]] = deque(maxlen=30)  # (t, texture, score)
        self.flagged: tuple[float, float] | None = None

    def add(self, t: float, blend: Any) -> None:
        if blend is not None:
            self.frames.append((t, float(blend.texture), float(blend.score)))

    def indicator(self) -> Indicator:
        note = f"sampled once every {self.every_s:g} s"
        n = len(self.frames)
        if n < 5:
            return Indicator(FACE_SWAP, "pending", summary=f"{n} of 5 usable face frames sampled", note=note)
        tex = float(np.median([x for _, x, _ in self.frames]))
        share = sum(s >= 0.5 for _, _, s in self.frames) / n
        score = max(smoothstep(0.3, 0.6, tex), 0.8 * smoothstep(0.5, 0.85, share))
        conf = smoothstep(3, 20, n)
        if score >= self.thr and conf >= 0.25 and self.flagged is None:
            self.flagged = (self.frames[0][0], score)
        if self.flagged is not None:
            return Indicator(FACE_SWAP, "flag", score=max(score, self.flagged[1]), confidence=conf,
                             evidence_t=self.flagged[0], note=note,
                             summary="the face's texture differs from the surrounding skin (blending boundary); "
                             "ask for a profile turn and a hand pass")
        return Indicator(FACE_SWAP, "ok", score=score, confidence=conf, note=note,
                         summary=f"no blending boundary along the face ({n} frames)")


# --------------------------------------------------------------------------- speech
class TranscriptTail:
    """The last words heard and Whisper's language for them."""

    def __init__(self, max_words: int = 20) -> None:
        self.max_words = max_words
        self.words: deque[str] = deque(maxlen=max_words)
        self.language = ""
        self.language_p = 0.0
        self.last_end: float | None = None
        self.segments = 0

    def add(self, segments: Iterable[Any], language: str = "", probability: float = 0.0) -> None:
        for s in segments or ():
            self.words.extend(str(s.text).split())
            self.last_end = float(s.end)
            self.segments += 1
        if language:
            self.language, self.language_p = language, float(probability)

    def indicator(self, note: str = "") -> Indicator:
        if not self.words:
            return Indicator(TRANSCRIPT, "pending", summary="no speech transcribed yet", note=note)
        lang = f"[{self.language} {self.language_p:.0%}] " if self.language else ""
        return Indicator(TRANSCRIPT, "ok", confidence=min(1.0, self.language_p or 0.5),
                         summary=lang + "… " + " ".join(self.words), evidence_t=self.last_end, note=note)


class VoiceTracker:
    """Voices by greedy online clustering of speaker-window embeddings (cosine >= speaker_threshold).

    The audio usually carries the interviewer too, so more than ``expected_voices`` sustained
    voices (each >= min_voice_s) is what flags."""

    def __init__(self, threshold: float, expected_voices: int, min_voice_s: float = 5.0) -> None:
        self.thr = float(threshold)
        self.expected = int(expected_voices)
        self.min_voice_s = float(min_voice_s)
        self.centroids: list[np.ndarray] = []
        self.seconds: list[float] = []
        self.first_t: list[float] = []
        self.flagged: float | None = None
        self.spans = 0

    def add(self, span_embeddings: Iterable[Any]) -> None:
        for e in span_embeddings or ():
            vecs = np.asarray(e.vectors, np.float32)
            if not len(vecs):
                continue
            self.spans += 1
            v = unit_vector(vecs.mean(axis=0))
            dur = float(e.span.end - e.span.start)
            sims = [float(c @ v) for c in self.centroids]
            k = int(np.argmax(sims)) if sims else -1
            if k >= 0 and sims[k] >= self.thr:
                w = self.seconds[k]
                self.centroids[k] = unit_vector(self.centroids[k] * w + v * dur)
                self.seconds[k] += dur
            else:
                self.centroids.append(v)
                self.seconds.append(dur)
                self.first_t.append(float(e.span.start))
            sustained = [i for i, s in enumerate(self.seconds) if s >= self.min_voice_s]
            if len(sustained) > self.expected and self.flagged is None:
                self.flagged = max(self.first_t[i] for i in sustained)

    def indicator(self) -> Indicator:
        voices = sum(s >= self.min_voice_s for s in self.seconds)
        note = f"{self.expected} voices expected (interviewer + candidate)"
        if not self.spans:
            return Indicator(SPEAKER, "pending", summary="no speech long enough for a voice print yet", note=note)
        if self.flagged is not None:
            return Indicator(SPEAKER, "flag", score=0.6, confidence=0.4, evidence_t=self.flagged, note=note,
                             summary=f"{voices} different voices; a new voice from {self.flagged:.1f} s. "
                             "Listen to the marked turns")
        return Indicator(SPEAKER, "ok", confidence=0.4, note=note,
                         summary=f"{voices} sustained voice(s) so far")


class SyntheticVoiceTracker:
    """AASIST windows as they are scored (the synthetic-voice check's formula)."""

    def __init__(self, flag_threshold: float, margin_threshold: float, note: str = "") -> None:
        self.thr = float(flag_threshold)
        self.margin_thr = float(margin_threshold)
        self.note = note
        self.windows: list[Any] = []
        self.flagged: float | None = None

    def add(self, windows: Iterable[Any]) -> None:
        self.windows.extend(windows)

    def indicator(self) -> Indicator:
        app = [w for w in self.windows if getattr(w, "wideband", True)]
        if not self.windows:
            return Indicator(VOICE, "pending", summary="no speech window scored yet", note=self.note)
        if not app:
            return Indicator(VOICE, "ok", summary="narrow-band audio: the synthetic-voice model does not apply",
                             note=self.note)
        margins = [float(w.margin) for w in app]
        med = float(np.median(margins))
        share = float(np.mean([m < self.margin_thr for m in margins]))
        score = max(smoothstep(-3.0, -8.0, med), 0.8 * smoothstep(0.4, 0.8, share))
        conf = smoothstep(1, 4, len(app)) * (0.5 + 0.5 * len(app) / len(self.windows))
        if score >= self.thr and conf >= 0.25 and self.flagged is None:
            self.flagged = float(app[0].t_start)
        if self.flagged is not None:
            return Indicator(VOICE, "flag", score=score, confidence=conf, evidence_t=self.flagged, note=self.note,
                             summary=f"the voice looks synthetic in {share:.0%} of speech (median margin {med:+.1f}); "
                             "ask the candidate to turn off voice effects")
        return Indicator(VOICE, "ok", score=score, confidence=conf, note=self.note,
                         summary=f"the voice looks natural (median margin {med:+.1f}, {len(app)} windows)")
