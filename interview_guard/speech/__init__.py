"""Speech: Silero VAD, faster-whisper ASR with hallucination guards, spoken language, fluency
(only as consistency with the candidate's own claim), speaker embeddings and answer timing.

Standalone: ``from interview_guard.services import transcribe`` ->
``transcribe(path, config=None) -> Transcript``. The pipeline uses the stream extractors
registered in :mod:`interview_guard.speech.features`. Nothing heavy is imported here.
"""
