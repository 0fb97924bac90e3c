"""Repairs applied to a fetched file before its sha256 check (``transform`` in a manifest source).

Each takes the raw file and writes the repaired one; both are deterministic, so the result's
sha256 is pinned in the manifest like any other file (with onnx==1.17.0 as in constraints.txt).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable


class TransformError(Exception):
    """The transform cannot be applied (missing package, not an ONNX model, nothing to do)."""


def _onnx_keep_used_inputs(src: Path, dst: Path) -> None:
    """Keep only graph inputs that nodes consume and that are not initializers.

    Old exporters list every weight as a graph input too; ONNX Runtime then demands them
    ("Required inputs ... are missing"). SFace as shipped in OpenCV Zoo is such a graph."""
    try:
        import onnx
    except ImportError:
        raise TransformError("transform onnx-keep-used-inputs needs the onnx package "
                             "(pip install 'onnx<1.18')") from None
    try:
        model = onnx.load(str(src))
    except Exception as e:  # onnx raises DecodeError and friends
        raise TransformError(f"not a loadable ONNX model: {e}") from None
    inits = {i.name for i in model.graph.initializer}
    used: set[str] = set()

    def walk(graph) -> None:
        for node in graph.node:
            used.update(node.input)
            for attr in node.attribute:  # If / Loop bodies consume outer names too
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g)
                elif attr.type == onnx.AttributeProto.GRAPHS:
                    for g in attr.graphs:
                        walk(g)

    walk(model.graph)
    keep = [i for i in model.graph.input if i.name in used and i.name not in inits]
    del model.graph.input[:]
    model.graph.input.extend(keep)
    dst.write_bytes(model.SerializeToString())


def _onnx_fold_dequantize(src: Path, dst: Path) -> None:
    """Replace every DequantizeLinear whose inputs are all constants by its float result.

    YuNet int8bq uses opset-21 *blocked* DequantizeLinear (block_size on per-tensor and
    (C,1)-shaped scales) that OpenCV runs but ONNX Runtime rejects at run time ("block_size
    must be 0 for per-tensor quantization"). Folding the weights to float32 follows the ONNX
    spec exactly; the outputs match cv2.dnn on the original within 5e-6."""
    try:
        import numpy as np
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise TransformError("transform onnx-fold-dequantize needs the onnx package "
                             "(pip install 'onnx<1.18')") from None
    try:
        model = onnx.load(str(src))
    except Exception as e:
        raise TransformError(f"not a loadable ONNX model: {e}") from None
    inits = {i.name: i for i in model.graph.initializer}
    nodes, folded = [], []
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or not all(x in inits for x in node.input if x):
            nodes.append(node)
            continue
        x = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
        scale = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        has_zp = len(node.input) > 2 and node.input[2]
        zp = numpy_helper.to_array(inits[node.input[2]]).astype(np.float32) if has_zp else np.zeros_like(scale)
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        axis = int(attrs.get("axis", 1)) % max(1, x.ndim)
        block = int(attrs.get("block_size", 0))
        if scale.size == 1:  # per tensor
            y = (x - zp.reshape(())) * scale.reshape(())
        elif block:  # blocked: each scale covers `block` consecutive elements along `axis`
            idx = np.arange(x.shape[axis]) // block
            y = (x - np.take(zp, idx, axis=axis)) * np.take(scale, idx, axis=axis)
        else:  # per axis
            shape = [1] * x.ndim
            shape[axis] = -1
            y = (x - zp.reshape(shape)) * scale.reshape(shape)
        folded.append(numpy_helper.from_array(y.astype(np.float32), node.output[0]))
    if not folded:
        raise TransformError("no constant DequantizeLinear nodes to fold")
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    used = {i for n in model.graph.node for i in n.input} | {o.name for o in model.graph.output}
    keep = [i for i in model.graph.initializer if i.name in used] + [t for t in folded if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)
    dst.write_bytes(model.SerializeToString())


def _onnx_keep_used_inputs_then_fold(src: Path, dst: Path) -> None:
    # SFace needs both: ORT refuses its graph inputs, and its block-int8 weights are
    # dequantized on every call (measured 1.7x slower than the folded float32 graph).
    mid = dst.with_name(dst.name + ".stage1")
    try:
        _onnx_keep_used_inputs(src, mid)
        _onnx_fold_dequantize(mid, dst)
    finally:
        mid.unlink(missing_ok=True)


TRANSFORMS: dict[str, Callable[[Path, Path], None]] = {
    "onnx-keep-used-inputs": _onnx_keep_used_inputs,
    "onnx-fold-dequantize": _onnx_fold_dequantize,
    "onnx-keep-used-inputs+fold-dequantize": _onnx_keep_used_inputs_then_fold,
}
