"""Per-case feature resolution: each feature computed at most once, failures remembered.

The stream pass pushes every decoded frame / audio chunk through the stream extractors
(one decode for all of them) and says how much of the recording it covered, so a file cut
short is reported rather than silently analysed in part.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from .errors import FeatureUnavailable, InputError, InterviewGuardError
from .features import FeatureEnv, FeatureSpec

logger = logging.getLogger(__name__)

Progress = Callable[[str, float | None, str], None]


@dataclass(frozen=True)
class StreamCoverage:
    """What one stream pass decoded: items, and media seconds covered (end of the last item)."""

    kind: str
    items: int
    covered_s: float
    stopped_early: bool = False

    def shortfall_warning(self, stated_s: float | None) -> str | None:
        """A sentence for the report when the pass covered clearly less than the stated duration."""
        if self.items == 0 or not stated_s:
            return None
        short = self.covered_s < stated_s - max(1.0, 0.05 * stated_s)
        if not (short or self.stopped_early):
            return None
        why = "decoding stopped on damaged data" if self.stopped_early else "the file ends early (truncated?)"
        return (f"recording cut short: the {self.kind} analysis covered {self.covered_s:.1f} of "
                f"{stated_s:.1f} s ({why}); signals describe only that part")


def _item_end(item: Any) -> float:
    t = float(getattr(item, "t", 0.0))
    duration = getattr(item, "duration", None)
    return t + float(duration) if duration is not None else t


@dataclass
class CaseTimer:
    """Seconds spent per stage of one case."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0


class FeatureResolver:
    """Computes each feature at most once per case; remembers failures as well."""

    def __init__(self, env: FeatureEnv, specs: Mapping[str, FeatureSpec], timer: CaseTimer) -> None:
        self.env = env
        self.specs = specs
        self.timer = timer
        self.values: dict[str, Any] = {}
        self.failures: dict[str, FeatureUnavailable] = {}

    def get(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self.failures:
            raise self.failures[name]
        spec = self.specs.get(name)
        if spec is None:
            self.failures[name] = FeatureUnavailable(f"no extractor provides feature {name!r}", error=True)
            raise self.failures[name]
        if spec.kind != "derived":  # stream features come only from the stream pass
            self.failures[name] = FeatureUnavailable(f"{name} was not computed (no {spec.kind} stream)")
            raise self.failures[name]
        assert spec.compute is not None  # FeatureSpec.__post_init__: every derived feature has one
        try:
            with self.timer.stage(f"feature.{name}"):
                value = spec.compute(self.env, self.get)
        except FeatureUnavailable as e:
            self.failures[name] = e
            raise
        except InterviewGuardError as e:
            self.failures[name] = FeatureUnavailable(e.one_line(), error=True)
            raise self.failures[name] from e
        except Exception as e:
            logger.debug("feature %s failed", name, exc_info=True)
            self.failures[name] = FeatureUnavailable(f"{name} failed: {type(e).__name__}: {e}", error=True)
            raise self.failures[name] from e
        self.values[name] = value
        return value

    def run_stream(self, kind: str, names: list[str], items: Iterator[Any], progress: Progress,
                   total_s: float | None, item_span_s: float = 0.0) -> StreamCoverage:
        """Push every item through the extractors of ``names`` (in dependency order).

        ``item_span_s`` is the media time one item stands for beyond its start (a sampled
        frame covers 1 / sample_fps); audio chunks carry their own duration."""
        extractors: dict[str, Any] = {}
        for name in names:
            spec = self.specs[name]
            broken = [d for d in spec.depends if d in self.failures]
            if broken:
                self.failures[name] = FeatureUnavailable(f"needs {broken[0]}: {self.failures[broken[0]].reason}",
                                                         error=self.failures[broken[0]].error)
                continue
            assert spec.build is not None  # FeatureSpec.__post_init__: every stream feature has one
            try:
                with self.timer.stage(f"feature.{name}"):
                    extractors[name] = spec.build(self.env)
            except FeatureUnavailable as e:
                self.failures[name] = e
            except InterviewGuardError as e:
                self.failures[name] = FeatureUnavailable(e.one_line(), error=True)
            except Exception as e:
                logger.debug("building %s failed", name, exc_info=True)
                self.failures[name] = FeatureUnavailable(f"{name} failed to start: {type(e).__name__}: {e}", error=True)
        if not extractors:
            return StreamCoverage(kind, 0, 0.0)
        count = 0
        covered = 0.0
        stopped_early = False
        decode_key = f"decode.{kind}"
        it = iter(items)
        while True:
            t0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                self.timer.timings[decode_key] = self.timer.timings.get(decode_key, 0.0) + time.perf_counter() - t0
                break
            except InputError:
                if count == 0:
                    raise
                logger.warning("%s decoding stopped early after %d items (damaged file?)", kind, count)
                stopped_early = True
                break
            self.timer.timings[decode_key] = self.timer.timings.get(decode_key, 0.0) + time.perf_counter() - t0
            count += 1
            covered = max(covered, _item_end(item) + item_span_s)
            per_item: dict[str, Any] = {}
            for name in list(extractors):
                spec = self.specs[name]
                upstream = {d: per_item.get(d) for d in spec.depends}
                if any(d in self.failures for d in spec.depends):
                    self.failures[name] = FeatureUnavailable(f"a feature {name} needs failed", error=True)
                    del extractors[name]
                    continue
                try:
                    with self.timer.stage(f"feature.{name}"):
                        per_item[name] = extractors[name].add(item, upstream)
                except Exception as e:
                    logger.debug("%s failed on an item", name, exc_info=True)
                    msg = e.one_line() if isinstance(e, InterviewGuardError) else f"{type(e).__name__}: {e}"
                    self.failures[name] = FeatureUnavailable(f"{name} failed at t={getattr(item, 't', 0):.2f}s: {msg}",
                                                             error=True)
                    del extractors[name]
            if total_s and count % 25 == 0:
                progress(kind, min(1.0, getattr(item, "t", 0.0) / total_s), f"{kind} t={getattr(item, 't', 0.0):.1f}s")
        for name, ex in extractors.items():
            try:
                with self.timer.stage(f"feature.{name}"):
                    self.values[name] = ex.finish()
            except FeatureUnavailable as e:
                self.failures[name] = e
            except Exception as e:
                logger.debug("finishing %s failed", name, exc_info=True)
                msg = e.one_line() if isinstance(e, InterviewGuardError) else f"{type(e).__name__}: {e}"
                self.failures[name] = FeatureUnavailable(f"{name} failed: {msg}", error=True)
        progress(kind, 1.0, f"{kind}: {count} items")
        return StreamCoverage(kind, count, covered, stopped_early)
