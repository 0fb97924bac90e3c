"""Document and resume features (derived: computed once per case, on demand)."""
from __future__ import annotations

import logging

from ..claims import Claims
from ..features import FeatureEnv, FeatureUnavailable, feature
from ..util import float4
from .idcard import IdDocument, read_id_document
from .limits import load_document_image
from .ocr import OcrOptions, TextReader
from .photo import DocumentFace, find_document_face
from .resume import Resume, read_resume

logger = logging.getLogger(__name__)

# The face family's feature for the ID photo, when it is registered (same detector and
# embedder as the interview faces, so the photo is compared like-for-like).
VISION_ID_FACE_FEATURES = ("id_face",)


@feature("id_document", "derived", description="ID document: OCR, MRZ, visual zone, photo and integrity cues")
def id_document_feature(env: FeatureEnv, get) -> IdDocument:
    path = env.require_input("id_image", "ID image")
    image = load_document_image(path, env.config.documents, env.config.media)
    opts = OcrOptions(min_score=env.config.documents.ocr_min_confidence)
    reader = TextReader.from_env(env, opts)
    answered, vision_face = _vision_face(get)
    if answered:
        face_finder = lambda _img: vision_face  # noqa: E731
    else:
        face_finder = lambda img: _own_face(env, img)  # noqa: E731
    return read_id_document(image, reader, face_finder=face_finder)


def _vision_face(get) -> tuple[bool, DocumentFace | None]:
    """(answered, face): the face family's ID-photo face as a DocumentFace. ``answered`` is False
    when no such feature exists or it failed, so the caller searches the photo itself."""
    from ..features import registry

    specs = registry()
    for name in VISION_ID_FACE_FEATURES:
        if name not in specs:
            continue
        try:
            value = get(name)
        except FeatureUnavailable as e:
            return (not e.error, None)
        face = value[0] if isinstance(value, (list, tuple)) and value else value
        face = getattr(face, "face", face)  # vision's StillFace wraps the Face
        bbox = getattr(face, "bbox", None)
        if bbox is None:
            return True, None
        emb = getattr(face, "embedding", None)
        return True, DocumentFace(bbox=float4(bbox), score=float(getattr(face, "score", 1.0)),
                                  embedding=tuple(float(v) for v in emb) if emb is not None else None)
    return False, None


def _own_face(env: FeatureEnv, image) -> DocumentFace | None:
    try:
        sface = env.onnx_session("sface")
    except Exception as e:  # detection still tells whether there is a face
        logger.info("document face embedding unavailable: %s", e)
        sface = None
    return find_document_face(image, env.model_path("yunet"), sface)


@feature("resume", "derived", description="the resume, parsed (PDF, DOCX, JSON Resume, text, Markdown)")
def resume_feature(env: FeatureEnv, get) -> Resume:
    path = env.require_input("resume", "resume")
    return read_resume(path, env.config.documents)


@feature("resume_claims", "derived", depends={"resume"}, description="claims derived from the resume")
def resume_claims_feature(env: FeatureEnv, get) -> Claims:
    return get("resume").to_claims()
