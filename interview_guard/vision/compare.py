"""Compare the largest faces of two images (``interview-guard faces compare A B``)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..config import AnalyzerConfig
from ..errors import InputError
from .embed import cosine
from .records import StillFace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompareResult:
    similarity: float
    same_person: bool
    threshold: float
    faces: tuple[int, int]  # faces found on each image
    a: StillFace
    b: StillFace

    def to_dict(self) -> dict:
        return {"similarity": round(self.similarity, 4), "same_person": self.same_person,
                "threshold": self.threshold, "faces": list(self.faces),
                "quality": [self.a.face.quality.to_dict(), self.b.face.quality.to_dict()]}


def still_analyzer(config: AnalyzerConfig | None = None, *, runtime=None, models=None):
    """A FaceAnalyzer for still images, with sessions from runtime/onnx.py (outside the pipeline)."""
    from ..runtime.models import ModelStore
    from ..runtime.onnx import OnnxRuntime
    from .detect import YuNetDetector
    from .embed import FaceEmbedder
    from .faces import AnalyzerOptions, FaceAnalyzer
    from .quality import QualityOptions

    config = config or AnalyzerConfig()
    runtime = runtime or OnnxRuntime(config.device, threads=config.threads)
    models = models or ModelStore(config.models_dir, overrides=config.model_overrides)
    embedder = FaceEmbedder(runtime.session("sface", models.path("sface")), batch_size=config.face.embedding_batch)
    try:
        yunet = YuNetDetector(runtime.session("yunet", models.path("yunet")))
    except Exception as e:  # MediaPipe's full-range detector still works without it
        logger.info("YuNet unavailable (%s); using MediaPipe", e)
        yunet = None
    opts = AnalyzerOptions(video=False, max_faces=config.face.max_faces, full_range=True,
                           quality=QualityOptions(min_face_px=float(config.face.min_face_px)))
    return FaceAnalyzer(embedder, opts, yunet=yunet)


def largest_face(analyzer, path: str | Path, config: AnalyzerConfig | None = None,
                 what: str = "image") -> StillFace:
    """The largest embeddable face of an image; InputError naming the image when there is none."""
    from .. import media

    config = config or AnalyzerConfig()
    image = media.load_image(path, config.media, what=what)
    faces = [f for f in analyzer.analyze_still(image) if f.embedding is not None]
    if not faces:
        raise InputError(f"no face found in {what} {path}",
                         fix="use a photo where one face is clearly visible (at least 40 px wide)")
    return StillFace(path=str(path), face=faces[0], n_faces=len(faces), width=image.shape[1], height=image.shape[0])


def compare_images(path_a: str | Path, path_b: str | Path, config: AnalyzerConfig | None = None,
                   analyzer=None) -> CompareResult:
    """Cosine similarity of the largest face of each image against the configured threshold."""
    config = config or AnalyzerConfig()
    own = analyzer is None
    analyzer = analyzer or still_analyzer(config)
    try:
        a = largest_face(analyzer, path_a, config, "image A")
        b = largest_face(analyzer, path_b, config, "image B")
    finally:
        if own:
            analyzer.close()
    sim = cosine(a.face.embedding, b.face.embedding)
    threshold = float(config.face.match_threshold)
    return CompareResult(similarity=sim, same_person=sim >= threshold, threshold=threshold,
                         faces=(a.n_faces, b.n_faces), a=a, b=b)
