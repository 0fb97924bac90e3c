"""interview-guard live SOURCE [--realtime] [--consent TEXT] [--id-image F] [--candidate ID] [--out DIR]
[--jsonl] [--fps N] [--timeout S]

SOURCE is a recording (played at real speed with --realtime, else as fast as the analysis goes)
or a listening stream URL, rtmp://HOST:PORT/APP/KEY or rtsp://HOST:PORT/PATH (HOST is the
address to listen on: 127.0.0.1 unless you mean to accept senders from other machines).
``--jsonl`` prints one JSON object per update, then ``{"final": true, "report": PATH}``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("live", help="rolling indicators while an interview streams, then the full analysis")
    p.add_argument("source", help="a recording, or rtmp://HOST:PORT/APP/KEY / rtsp://HOST:PORT/PATH to listen on")
    p.add_argument("--realtime", action="store_true", help="play a file at real speed (as a camera would)")
    p.add_argument("--consent", help="the candidate's consent to recording (required for streams)")
    p.add_argument("--id-image", help="photo or scan of the candidate's ID document")
    p.add_argument("--candidate", help="candidate id (links analyses of the same person)")
    p.add_argument("--case", help="case id (default: derived from the captured media)")
    p.add_argument("--out", help="case folder: recording, live_timeline.jsonl, report.json / .html")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per update on stdout")
    p.add_argument("--fps", type=float, default=5.0, help="frames analysed per second (default 5)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a stream sender (default 30)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device (default auto)")
    p.add_argument("--no-store", action="store_true", help="do not save the analysis in the case store")
    p.set_defaults(func=run)


def _emit(line: dict | str, jsonl: bool) -> None:
    sys.stdout.write((json.dumps(line, ensure_ascii=False) if jsonl else str(line)) + "\n")
    sys.stdout.flush()


def human_line(snap) -> str:
    flags = [i for i in snap.indicators if i.status == "flag"]
    pend = sum(i.status == "pending" for i in snap.indicators)
    head = f"[{snap.t:7.1f} s] level {snap.level:6} ({len(flags)} flag(s), {pend} pending)"
    parts = [f"{i.name}: {i.summary}" for i in flags]
    tr = snap.indicator("speech.transcript")
    if tr is not None and tr.status == "ok":
        parts.append(f"heard: {tr.summary[-80:]}")
    return head + ("; " + "; ".join(parts) if parts else "")


def run(args: argparse.Namespace) -> Output:
    from ..config import default_data_dir
    from ..errors import InputError
    from ..live import LiveOptions, open_live_session
    from ..live.sources import StreamSource, check_stream_url, file_events, is_stream_url
    from ..pipeline import Analyzer

    cfg = load_config(args)
    stream = is_stream_url(args.source)
    if not 0 < args.fps <= 30:
        raise InputError(f"--fps must be in (0, 30], got {args.fps}")
    if stream:
        check_stream_url(args.source)
        if not (args.consent and args.consent.strip()):
            raise InputError("a live stream is recorded: give --consent TEXT (how the candidate agreed)")
    else:
        src = Path(args.source)
        if not src.is_file():
            raise InputError(f"source not found (a file, or rtmp:// / rtsp:// to listen on): {src}")
        from .. import media

        media.probe(src, cfg.media)  # a clear InputError before any model loads
    out = Path(args.out) if args.out else default_data_dir() / "live" / time.strftime("%Y%m%d-%H%M%S")
    opts = LiveOptions(sample_fps=args.fps, record=stream, case_dir=out, case_id=args.case,
                       source_file=None if stream else Path(args.source))
    jsonl = args.jsonl
    with Analyzer(cfg, use_store=not args.no_store) as analyzer:
        source = StreamSource(args.source, sample_fps=args.fps, timeout_s=args.timeout) if stream else None
        try:
            events = iter(source) if source is not None else file_events(
                args.source, cfg.media, sample_fps=args.fps, realtime=args.realtime)
            with open_live_session(analyzer, id_image=args.id_image, candidate_id=args.candidate,
                                   consent=args.consent, options=opts) as session:
                session.wait_ready(300)
                if source is not None:
                    source.wait_connected()
                pace = not (stream or args.realtime)  # as fast as possible = as fast as the analysis
                last_t = None
                for kind, t, data in events:
                    if kind == "video":
                        if pace:
                            session.wait_video_idle(30)
                        session.push_frame(t, data)
                    else:
                        session.push_audio(t, data)
                    if last_t is None or t - last_t >= opts.refresh_s:
                        last_t = t
                        snap = session.snapshot()
                        _emit(snap.to_dict() if jsonl else human_line(snap), jsonl)
                session.drain(120)
                snap = session.snapshot()
                _emit(snap.to_dict() if jsonl else human_line(snap), jsonl)
                report = session.finish()
                paths = session.report_paths
        finally:
            if source is not None:
                source.close()
    final = {"final": True, "report": str(paths.json) if paths else None, "case_id": report.case.case_id,
             "level": report.risk.level, "note": "signals for a human reviewer; verification needed, not a verdict"}
    _emit(final if jsonl else
          f"risk: {report.risk.level} (verification needed, not a verdict); report: {final['report']}", jsonl)
    return Output(None, "")
