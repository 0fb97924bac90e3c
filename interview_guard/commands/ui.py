"""interview-guard ui [--host H] [--port P] [--auth USER:PASS] [--device ...]"""
from __future__ import annotations

import argparse
import sys

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("ui", help="serve the web app for reviewers (127.0.0.1 only unless --host)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; another address needs --auth to be safe)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require this login "
                        "(prefer env INTERVIEW_GUARD_AUTH: command lines are visible to other users)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device (default auto)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Output:
    cfg = load_config(args)
    from ..app import launch_app  # imports gradio: only now, so --help stays fast

    print(f"interview-guard: serving on http://{args.host}:{args.port} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    launch_app(cfg, host=args.host, port=args.port, auth=args.auth, quiet=True)
    return Output({"stopped": True, "host": args.host, "port": args.port}, "")
