"""Test-data generators shared by tests/ and benchmarks/ (not part of the runtime package).

Tests import them as ``from support import synth``: ``tests/`` is on ``sys.path`` (pytest's
``pythonpath = ["tests"]`` in pyproject.toml; benchmarks insert it themselves).

* ``synth``          video clips from real photos (jitter, group grids, MP4 via PyAV)
* ``wer``            word error rate with text normalisation (ASR accuracy)
* ``textpdf``        minimal text-only PDFs (resume and hostile-input tests)
* ``resume_render``  JSON Resume -> text lines in several layouts
* ``netsynth``       synthetic network logs and IP-intelligence data files
"""
