# Writes the tiny ONNX models of the shape and ZipMap tests, and their right outputs computed with
# numpy (not by KubeServe), into this folder. Run from here with Debian's python3-onnx:
#   /usr/bin/python3 make_models.py
import json
import numpy as np
import onnx
from onnx import helper, TensorProto

def save(graph, name, ml=False):
    opsets = [helper.make_opsetid("", 13)] + ([helper.make_opsetid("ai.onnx.ml", 1)] if ml else [])
    m = helper.make_model(graph, opset_imports=opsets)
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, name + ".onnx")

expected = {}

def sequence_of_maps(key_type):
    # seq(map(key_type, float)): what ZipMap gives (onnx 1.12's helper has no map type maker)
    t = onnx.TypeProto()
    t.sequence_type.elem_type.map_type.key_type = key_type
    t.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    return t

# field case15: input_ids, attention_mask INT64 [batch_size, sequence]
save(helper.make_graph(
    [helper.make_node("Mul", ["input_ids", "attention_mask"], ["prod"]),
     helper.make_node("ReduceSum", ["prod", "axes"], ["masked_sum"], keepdims=0),
     helper.make_node("Identity", ["input_ids"], ["ids_echo"])],
    "tok",
    [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence"]),
     helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "sequence"])],
    [helper.make_tensor_value_info("masked_sum", TensorProto.INT64, ["batch_size"]),
     helper.make_tensor_value_info("ids_echo", TensorProto.INT64, ["batch_size", "sequence"])],
    [helper.make_tensor("axes", TensorProto.INT64, [1], [1])]), "tok")
ids = np.array([[1, 2, 3, 4, 5], [1, 2, 0, 0, 0]], dtype=np.int64)
mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], dtype=np.int64)
expected["tok"] = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                   "masked_sum": (ids * mask).sum(axis=1).tolist()}

# x [N, D], w [D, K], bias [K] -> y = x @ w + bias [N, K]: only x carries the batch dimension
save(helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "bias"], ["y"])],
    "affine",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "D"]),
     helper.make_tensor_value_info("w", TensorProto.FLOAT, ["D", "K"]),
     helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["K"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "K"])]), "affine")
x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], dtype=np.float32)      # N=2, D=3
w = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]], dtype=np.float32)     # D=3, K=2
bias = np.array([0.25, -0.5], dtype=np.float32)
expected["affine"] = {"x": x.tolist(), "w": w.tolist(), "bias": bias.tolist(), "y": (x @ w + bias).tolist()}

# a, b FP32 [?, ?] without dimension names: nothing declares that they agree, so a mismatch only
# shows in the engine (Add cannot broadcast 3 by 2)
save(helper.make_graph(
    [helper.make_node("Add", ["a", "b"], ["sum"])], "anonymous_add",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, [None, None]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, [None, None])],
    [helper.make_tensor_value_info("sum", TensorProto.FLOAT, [None, None])]), "anonymous_add")

# ZipMap classifiers whose class labels are not sorted: LinearClassifier + ZipMap (ai.onnx.ml)
coef = np.array([[1.0, -1.0], [-0.5, 2.0], [0.25, 0.5]], dtype=np.float32)   # one row per class
intercepts = np.array([0.1, -0.2, 0.3], dtype=np.float32)
rows = np.array([[2.0, 0.5], [-1.0, 1.5], [0.0, 0.0]], dtype=np.float32)
scores = rows @ coef.T + intercepts
probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
probabilities /= probabilities.sum(axis=1, keepdims=True)
for name, attr, labels, label_type in (
        ("zipmap_strings", "classlabels_strings", ["b", "a", "c"], TensorProto.STRING),
        ("zipmap_ints", "classlabels_ints", [2, 0, 1], TensorProto.INT64)):
    zipmap_attr = "classlabels_strings" if attr == "classlabels_strings" else "classlabels_int64s"
    save(helper.make_graph(
        [helper.make_node("LinearClassifier", ["float_input"], ["label", "probability_tensor"], domain="ai.onnx.ml",
                          coefficients=coef.flatten().tolist(), intercepts=intercepts.tolist(),
                          post_transform="SOFTMAX", **{attr: labels}),
         helper.make_node("Identity", ["label"], ["output_label"]),
         helper.make_node("ZipMap", ["probability_tensor"], ["output_probability"], domain="ai.onnx.ml",
                          **{zipmap_attr: labels})],
        name,
        [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("output_label", label_type, [None]),
         helper.make_value_info("output_probability", sequence_of_maps(label_type))]),
        name, ml=True)
    expected[name] = {"float_input": rows.tolist(), "class_labels": labels,
                      "probabilities": probabilities.tolist(),
                      "label": [labels[i] for i in probabilities.argmax(axis=1)]}

# a ZipMap on a 1-D input: OnnxRuntime reads it as one row, so the served output is [1, 3]; the
# loader's Identity in its place would give [3], so this one must stay a ZipMap
save(helper.make_graph(
    [helper.make_node("ZipMap", ["scores"], ["zipped"], domain="ai.onnx.ml", classlabels_strings=["p", "q", "r"])],
    "zipmap_1d",
    [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [3])],
    [helper.make_value_info("zipped", sequence_of_maps(TensorProto.STRING))]),
    "zipmap_1d", ml=True)

# what a server must meet against these numpy values: float32 outputs may differ by summation order
expected["tolerance"] = {"y": {"abs": 1e-6}, "probabilities": {"abs": 1e-6}, "masked_sum": "exact", "label": "exact"}
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1)

# TorchScript twin of anonymous_add: a + b, so a PyTorch operator failing on the inputs is tested too
import torch

class Add(torch.nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a + b

torch.jit.save(torch.jit.script(Add()), "add_torchscript.pt")
