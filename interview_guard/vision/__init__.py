"""Face vision: detection + 478-point mesh (MediaPipe), YuNet (ONNX), 5-point alignment, quality,
SFace embeddings (ONNX Runtime), identity tracking over time, and still-image comparison.

Modules (import what you need; heavy libraries load only when used):

* ``records``  typed results: Face, FrameFaces (per frame), FaceTimeline, FaceTracks, Identity, StillFace
* ``detect``   MediapipeDetector (video / static), YuNetDetector (ORT)
* ``align``    similarity transform to the 112x112 ArcFace template
* ``embed``    FaceEmbedder (SFace, batched when the graph allows), cosine
* ``quality``  size, blur, head pose (yaw / pitch / roll), occlusion -> FaceQuality
* ``faces``    FaceAnalyzer: one frame or still image -> faces
* ``track``    track_identities: quality-weighted clustering -> identities, switches
* ``features`` the ``faces``, ``face_tracks`` and ``id_face`` features
* faces compare: ``interview_guard.services.compare_faces`` (through the engine)
"""
