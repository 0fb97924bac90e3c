"""Model runtime: ONNX Runtime sessions (onnx.py) and the model manifest (models.py)."""
