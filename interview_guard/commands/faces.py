"""interview-guard faces compare IMG_A IMG_B [--json]"""
from __future__ import annotations

import argparse

from ..cli import Output, load_config


def register(sub) -> None:
    p = sub.add_parser("faces", help="face tools (compare two photos)")
    fsub = p.add_subparsers(dest="faces_command", metavar="ACTION")
    c = fsub.add_parser("compare", help="are the largest faces of two images the same person?")
    c.add_argument("image_a", help="first image (photo, ID scan, video still)")
    c.add_argument("image_b", help="second image")
    c.add_argument("--threshold", type=float, help="cosine threshold (default: face.match_threshold, 0.363)")
    c.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device (default auto)")
    c.add_argument("--json", action="store_true", help="print one JSON document")
    c.set_defaults(func=compare)
    p.set_defaults(func=_usage, parser=p)


def _usage(args: argparse.Namespace) -> Output:
    from ..errors import InputError

    raise InputError("faces needs an action: interview-guard faces compare IMG_A IMG_B")


def compare(args: argparse.Namespace) -> Output:
    from ..config import replace
    from ..services import compare_faces

    cfg = load_config(args)
    if args.threshold is not None:
        if not -1.0 <= args.threshold <= 1.0:
            from ..errors import InputError

            raise InputError(f"--threshold must be a cosine in [-1, 1], got {args.threshold}")
        cfg = replace(cfg, face=replace(cfg.face, match_threshold=args.threshold))
    res = compare_faces(args.image_a, args.image_b, cfg)
    verdict = "same person" if res.same_person else "different people"
    text = (f"{verdict}: similarity {res.similarity:.3f} (threshold {res.threshold:.3f}); "
            f"faces found: {res.faces[0]} in A, {res.faces[1]} in B (largest used) — verification needed")
    return Output(res.to_dict(), text)
