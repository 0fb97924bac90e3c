"""Keep native libraries' start-up chatter off the user's stderr.

MediaPipe's C++ code logs through absl before ``absl::InitializeLog`` is called, which writes
straight to file descriptor 2; no environment variable silences it. We point fd 2 at
/dev/null only while graphs start and run their first frame, then restore it. Set
``INTERVIEW_GUARD_NATIVE_LOGS=1`` to see those lines when debugging.
"""
from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

_LOCK = threading.Lock()


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    if os.environ.get("INTERVIEW_GUARD_NATIVE_LOGS"):
        yield
        return
    with _LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded, pytest capture)
            yield
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
