"""interview-guard transcribe MEDIA [--json] [--srt F] [--vtt F] [--model NAME] [--language xx]"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("transcribe", help="transcribe a recording (VAD + Whisper, with timestamps)")
    p.add_argument("media", help="recording (audio or video)")
    p.add_argument("--model", help="whisper-base (default), whisper-tiny.en, a local CTranslate2 Whisper "
                                   "folder, or a faster-whisper model name")
    p.add_argument("--language", help="ISO 639-1 code (default: detect per window)")
    p.add_argument("--srt", metavar="FILE", help="also write SubRip subtitles")
    p.add_argument("--vtt", metavar="FILE", help="also write WebVTT subtitles")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device (default auto)")
    p.add_argument("--json", action="store_true", help="print the transcript as one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Output:
    from ..config import replace
    from ..errors import InputError
    from ..services import transcribe
    from ..types import transcript_to_dict

    cfg = load_config(args)
    speech = cfg.speech
    if args.model:
        speech = replace(speech, asr_model=args.model)
    if args.language:
        code = args.language.strip().lower()
        if not (2 <= len(code) <= 3 and code.isalpha()):
            raise InputError(f"--language must be an ISO 639-1 code such as en or ja, got {args.language!r}")
        speech = replace(speech, language=code)
    cfg = replace(cfg, speech=speech)
    media = Path(args.media)
    if not media.is_file():
        raise InputError(f"media file not found: {media}")
    transcript = transcribe(media, cfg)
    written = []
    if args.srt or args.vtt:
        from ..report.subtitles import to_srt, to_vtt

        for path, render in ((args.srt, to_srt), (args.vtt, to_vtt)):
            if path:
                try:
                    Path(path).write_text(render(transcript), encoding="utf-8")
                except OSError as e:
                    raise InputError(f"cannot write {path}: {e.strerror or e}") from None
                written.append(path)
    lines = [f"[{s.start:8.2f} -> {s.end:8.2f}] {s.text.strip()}" for s in transcript.segments]
    lines.append(f"language: {transcript.language or 'unknown'} (p={transcript.language_probability:.2f}), "
                 f"{transcript.duration_s:.1f} s")
    lines += [f"wrote {p}" for p in written]
    return Output(transcript_to_dict(transcript), "\n".join(lines))
