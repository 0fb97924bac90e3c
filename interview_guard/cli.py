"""``interview-guard`` command line. Thin: parse, call the library, print.

``--json`` prints exactly one JSON document on stdout; logs go to stderr.
Exit codes: 0 ok, 2 bad input, 3 missing model / dependency, 1 internal error.
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from dataclasses import dataclass
from typing import Any, NoReturn, Sequence

from .errors import InterviewGuardError

logger = logging.getLogger("interview_guard")

COMMAND_MODULES = ("analyze", "batch", "faces", "speech", "documents", "network", "models", "doctor", "ui",
                   "store", "bench", "live")


@dataclass
class Output:
    """What a command hands back: ``data`` for --json, ``text`` for people, and the exit code."""

    data: Any
    text: str = ""
    code: int = 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 already; keep it one line
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="interview-guard",
                description="Identity-fraud signals for remote hiring, for a human reviewer (never a verdict).")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr (-vv debug)")
    p.add_argument("--config", help="AnalyzerConfig TOML file")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"interview_guard.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"interview_guard.commands.{name}":
                continue
            raise
        mod.register(sub)
    return p


def load_config(args: argparse.Namespace):
    from .config import AnalyzerConfig, replace

    cfg = AnalyzerConfig.from_toml(args.config) if getattr(args, "config", None) else AnalyzerConfig()
    if getattr(args, "device", None):
        cfg = replace(cfg, device=args.device)
    return cfg


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("interview_guard")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _quiet_native_logs() -> None:
    # mediapipe / TF Lite / absl write to stderr from C++; keep the CLI's stderr readable.
    import os

    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_native_logs()
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        out: Output = args.func(args)
    except InterviewGuardError as e:
        print(f"interview-guard: {e.one_line()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interview-guard: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # last resort: one line, full trace only with -vv
        logger.debug("internal error", exc_info=True)
        print(f"interview-guard: internal error: {type(e).__name__}: {e} (rerun with -vv for details)",
              file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(out.data, ensure_ascii=False, indent=2, default=_json_default) + "\n")
    elif out.text:
        sys.stdout.write(out.text.rstrip("\n") + "\n")
    sys.stdout.flush()
    return out.code


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:
        pass
    if hasattr(o, "to_dict"):
        return o.to_dict()
    return str(o)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
