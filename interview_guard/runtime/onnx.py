"""The ONLY place that creates onnxruntime sessions.

* ``device`` = auto | cpu | cuda -> an ordered provider list built from what this
  onnxruntime build offers (``auto``: CUDA when available, else CPU).
* After creating a session we check which providers it really got; asking for CUDA and
  getting CPU is logged as a warning and recorded, so a report never claims a GPU it
  did not use.
* Sessions are cached per (model path, providers); tests inject a fake session through
  ``session_factory`` or ``OnnxRuntime.inject``.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from ..errors import DependencyMissing, InputError, ModelError

logger = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"


class SessionLike(Protocol):
    """The part of ``onnxruntime.InferenceSession`` the project uses (fakes implement this)."""

    def run(self, output_names: Sequence[str] | None, input_feed: Mapping[str, Any]) -> list: ...

    def get_inputs(self) -> list: ...

    def get_outputs(self) -> list: ...

    def get_providers(self) -> list[str]: ...


SessionFactory = Callable[[str, list[str], Any], SessionLike]


def available_providers() -> list[str]:
    """Providers this onnxruntime build offers (monkeypatch this in tests)."""
    try:
        import onnxruntime as ort
    except ImportError as e:  # pragma: no cover - onnxruntime is a hard dependency
        raise DependencyMissing("onnxruntime is not installed", fix="make install") from e
    return list(ort.get_available_providers())


def resolve_providers(device: str, available: Sequence[str] | None = None) -> list[str]:
    """Ordered providers for ``device``. CPU always ends the list as the fallback."""
    if device not in ("auto", "cpu", "cuda"):
        raise InputError(f"device must be auto, cpu or cuda, got {device!r}")
    avail = list(available) if available is not None else available_providers()
    if device == "cpu":
        return [CPU]
    if CUDA in avail:
        return [CUDA, CPU]
    if device == "cuda":
        logger.warning("device=cuda requested but this onnxruntime build has no %s "
                       "(install the gpu extra: pip install 'interview-guard[gpu]'); using CPU", CUDA)
    return [CPU]


def device_name(providers: Sequence[str]) -> str:
    return "cuda" if providers and providers[0] == CUDA else "cpu"


@dataclass(frozen=True)
class SessionRecord:
    """What was asked for and what a session really got."""

    model: str
    path: str
    requested: tuple[str, ...]
    used: tuple[str, ...]

    @property
    def fell_back(self) -> bool:
        return bool(self.requested) and (not self.used or self.used[0] != self.requested[0])


def _default_factory(path: str, providers: list[str], options: Any) -> SessionLike:
    import onnxruntime as ort

    return ort.InferenceSession(path, sess_options=options, providers=providers)


class OnnxRuntime:
    """Creates, verifies and caches sessions for one device setting."""

    def __init__(self, device: str = "auto", *, threads: int = 0,
                 session_factory: SessionFactory | None = None) -> None:
        self.device = device
        self.threads = threads
        self.providers = resolve_providers(device)
        self._factory = session_factory or _default_factory
        self._cache: dict[tuple[str, tuple[str, ...]], SessionLike] = {}
        self._records: dict[str, SessionRecord] = {}
        self._injected: dict[str, SessionLike] = {}
        self._lock = threading.Lock()

    @property
    def device_warnings(self) -> tuple[str, ...]:
        """Warnings about the device itself; every case's report repeats them (no per-case state here)."""
        if self.device == "cuda" and CUDA not in self.providers:
            return ("device=cuda requested but onnxruntime has no CUDAExecutionProvider here; "
                    "ONNX models ran on CPU",)
        return ()

    def fallback_warning(self, model: str) -> str | None:
        """What to tell a case that used ``model`` when its session did not get the provider asked for."""
        record = self._records.get(model)
        if record is None or not record.fell_back:
            return None
        return (f"{model}: asked for {record.requested[0]} but the session runs on "
                f"{record.used[0] if record.used else 'nothing'}")

    @property
    def device_used(self) -> str:
        """'cuda' only if at least one real session ran on CUDA; else what was resolved."""
        if self._records:
            return "cuda" if any(r.used and r.used[0] == CUDA for r in self._records.values()) else "cpu"
        return device_name(self.providers)

    def inject(self, model: str, session: SessionLike) -> None:
        """Use ``session`` for ``model`` instead of loading a file (tests, external models)."""
        with self._lock:
            self._injected[model] = session

    def _options(self) -> Any:
        if self._factory is not _default_factory:
            return None
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # SFace and friends log hundreds of harmless warnings
        if self.threads:
            opts.intra_op_num_threads = self.threads
        return opts

    def session(self, model: str, path: str | Path) -> SessionLike:
        """A verified session for the model at ``path`` (cached)."""
        with self._lock:
            if model in self._injected:
                return self._injected[model]
            key = (str(path), tuple(self.providers))
            if key in self._cache:
                return self._cache[key]
            if not Path(path).is_file():
                raise ModelError(f"model file for {model!r} not found at {path}",
                                 fix=f"interview-guard models fetch {model}")
            try:
                sess = self._factory(str(path), list(self.providers), self._options())
            except Exception as e:  # ORT raises its own exception types
                raise ModelError(f"onnxruntime could not load {model!r} from {path}: {e}",
                                 fix=f"interview-guard models verify {model}") from e
            used = tuple(sess.get_providers())
            record = SessionRecord(model, str(path), tuple(self.providers), used)
            if record.fell_back:
                logger.warning("%s: asked for %s but the session runs on %s", model, record.requested[0],
                               used[0] if used else "nothing")
            self._cache[key] = sess
            self._records[model] = record
            return sess

    def records(self) -> list[SessionRecord]:
        return list(self._records.values())

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
            self._records.clear()


def input_names(session: SessionLike) -> list[str]:
    return [i.name for i in session.get_inputs()]
