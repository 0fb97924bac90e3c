"""Named features, computed once per case.

Three kinds of feature:

* ``video`` — a stream extractor fed one sampled :class:`Frame` at a time;
* ``audio`` — a stream extractor fed one 16 kHz :class:`AudioChunk` at a time;
* ``derived`` — computed on demand from inputs and other features.

Stream extractors never need the whole file: the batch pipeline decodes once and pushes
each frame / chunk through every extractor, and the live mode pushes frames from a
stream into the same extractors. ``add`` returns the item's own per-item result, which
later extractors that ``depend`` on it receive in ``upstream`` (e.g. liveness reuses the
face detector's boxes instead of detecting again).

Families register their features in their own ``features`` module, listed in
``FEATURE_MODULES``; the registry imports them lazily on first use.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Protocol

from .errors import FeatureUnavailable

if TYPE_CHECKING:
    from .config import AnalyzerConfig
    from .runtime.models import ModelStore
    from .runtime.onnx import OnnxRuntime
    from .store import Store
    from .types import CaseInputs, MediaInfo

logger = logging.getLogger(__name__)

FeatureKind = Literal["video", "audio", "derived"]

FEATURE_MODULES: tuple[str, ...] = (
    "interview_guard.inputs_features",
    "interview_guard.vision.features",
    "interview_guard.vision.liveness_features",
    "interview_guard.speech.features",
    "interview_guard.speech.synthetic_features",
    "interview_guard.netmeta.features",
    "interview_guard.documents.features",
)


class StreamExtractor(Protocol):
    def add(self, item: Any, upstream: Mapping[str, Any]) -> Any:
        """Consume one Frame / AudioChunk; return this item's own result (or None)."""

    def finish(self) -> Any:
        """Return the feature value once the stream has ended."""


@dataclass
class FeatureEnv:
    """What a feature may use for ONE case: a new one is made per case, so nothing here
    (warnings, models used) leaks from one case into the next when an Analyzer is reused."""

    config: "AnalyzerConfig"
    runtime: "OnnxRuntime"
    models: "ModelStore"
    inputs: "CaseInputs"
    media: "MediaInfo | None" = None
    store: "Store | None" = None
    # Models a feature actually used: name -> provider (for RiskReport.runtime.models).
    models_used: dict[str, str | None] = field(default_factory=dict)
    # Things the reviewer must know about this case's run (fallbacks, truncated media, ...).
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        logger.warning(message)
        if message not in self.warnings:
            self.warnings.append(message)

    def model_path(self, name: str):
        """Locate a manifest model (or a user override) and record that it was used."""
        path = self.models.path(name)
        self.models_used.setdefault(name, None)
        return path

    def onnx_session(self, name: str):
        """A verified ONNX Runtime session for manifest model ``name``."""
        path = self.model_path(name)
        sess = self.runtime.session(name, path)
        providers = sess.get_providers()
        self.models_used[name] = providers[0] if providers else None
        fallback = self.runtime.fallback_warning(name)
        if fallback:  # said in every case that used the model, not only the one that loaded it
            self.warn(fallback)
        return sess

    def require_input(self, field_name: str, what: str) -> Any:
        value = getattr(self.inputs, field_name)
        if value is None:
            raise FeatureUnavailable(f"no {what} supplied")
        return value


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    kind: FeatureKind
    depends: frozenset[str] = frozenset()
    build: Callable[[FeatureEnv], StreamExtractor] | None = None  # video / audio
    compute: Callable[[FeatureEnv, Callable[[str], Any]], Any] | None = None  # derived
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind in ("video", "audio") and self.build is None:
            raise ValueError(f"stream feature {self.name!r} needs a build function")
        if self.kind == "derived" and self.compute is None:
            raise ValueError(f"derived feature {self.name!r} needs a compute function")


_REGISTRY: dict[str, FeatureSpec] = {}
_LOADED = False
_IMPORT_ERRORS: dict[str, str] = {}


def register_feature(spec: FeatureSpec) -> FeatureSpec:
    existing = _REGISTRY.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(f"feature {spec.name!r} is registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def feature(name: str, kind: FeatureKind, *, depends: frozenset[str] | set[str] = frozenset(),
            description: str = ""):
    """Decorator form: ``@feature("faces", "video", depends={...})`` on a build/compute fn."""

    def deco(fn):
        if kind == "derived":
            register_feature(FeatureSpec(name, kind, frozenset(depends), compute=fn, description=description))
        else:
            register_feature(FeatureSpec(name, kind, frozenset(depends), build=fn, description=description))
        return fn

    return deco


def load_feature_modules() -> None:
    """Import every family's feature module. A module that fails is remembered (strict loading:
    ``doctor`` fails and every report names the gap), never silently dropped."""
    global _LOADED
    if _LOADED:
        return
    _IMPORT_ERRORS.update(import_modules(FEATURE_MODULES))
    _LOADED = True


def import_modules(modules: tuple[str, ...]) -> dict[str, str]:
    """Import ``modules``; return {module: one-line error} for those that failed."""
    failed: dict[str, str] = {}
    for mod in modules:
        try:
            importlib.import_module(mod)
        except Exception as e:  # a broken family must not take the others down
            failed[mod] = f"{type(e).__name__}: {e}"
            logger.error("module %s failed to import: %s", mod, failed[mod])
    return failed


def registry() -> Mapping[str, FeatureSpec]:
    load_feature_modules()
    return dict(_REGISTRY)


def import_errors() -> Mapping[str, str]:
    return dict(_IMPORT_ERRORS)


def closure(names: set[str] | frozenset[str], specs: Mapping[str, FeatureSpec]) -> list[str]:
    """Feature names needed for ``names`` in dependency order (unknown names are kept;
    the resolver reports them as unavailable)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(n: str, stack: tuple[str, ...]) -> None:
        if n in stack:
            raise ValueError(f"feature dependency cycle: {' -> '.join(stack + (n,))}")
        if n in seen:
            return
        spec = specs.get(n)
        for d in sorted(spec.depends if spec else ()):
            visit(d, stack + (n,))
        seen.add(n)
        order.append(n)

    for n in sorted(names):
        visit(n, ())
    return order
