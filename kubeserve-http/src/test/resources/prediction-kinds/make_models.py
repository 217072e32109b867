# Writes the models of PredictionKindsTest into ./repo and their right answers into expected.json,
# computed here with numpy (and checked against scikit-learn's own predict/predict_proba), not by
# KubeServe. Built like ../shared/field case13 (ZipMap classifiers) and case18 (regressors).
# Run with Debian's python3 (python3-onnx, python3-sklearn): /usr/bin/python3 make_models.py
import json, os
import numpy as np, onnx
import onnx.numpy_helper
from onnx import helper, TensorProto

X2 = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]], dtype=np.float32)
W = np.array([[1.0, -1.0], [0.5, 0.5], [-1.0, 2.0]], dtype=np.float32); b = np.array([0.1, 0.0, -0.2], dtype=np.float32)
RW = np.array([[2.0, -1.0], [0.5, 0.25], [-3.0, 1.0]], dtype=np.float32); rb = np.array([1.0, 0.0, 10.0], dtype=np.float32)
off = np.array([1.0, 2.0], dtype=np.float32); sc = np.array([0.5, 2.0], dtype=np.float32)
XR = np.array([[1.0, 2.0], [3.0, -1.0]], dtype=np.float32)
ML = [helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 1)]

def save(name, nodes, inputs, outputs, labels=None, initializers=()):
    m = helper.make_model(helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers)), opset_imports=ML)
    m.ir_version = 8; m.producer_name = "skl2onnx"; onnx.checker.check_model(m)
    os.makedirs(f"repo/{name}/1", exist_ok=True); onnx.save(m, f"repo/{name}/1/model.onnx")
    if labels:
        open(f"repo/{name}/labels.txt", "w").write("\n".join(labels) + "\n")

def fin(n): return helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, n])
def fout(name, k): return helper.make_tensor_value_info(name, TensorProto.FLOAT, [None, k])

def zipmap(name, labels, W, b):
    strings = isinstance(labels[0], str)
    cls = {"classlabels_strings": labels} if strings else {"classlabels_ints": labels}
    zm = {"classlabels_strings": labels} if strings else {"classlabels_int64s": labels}
    seq = onnx.TypeProto()
    seq.sequence_type.elem_type.map_type.key_type = TensorProto.STRING if strings else TensorProto.INT64
    seq.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    save(name, [helper.make_node("LinearClassifier", ["float_input"], ["label", "probabilities"], domain="ai.onnx.ml",
                                 coefficients=W.flatten().tolist(), intercepts=b.tolist(), post_transform="SOFTMAX", **cls),
                helper.make_node("Identity", ["label"], ["output_label"]),
                helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain="ai.onnx.ml", **zm)],
         [fin(W.shape[1])],
         [helper.make_tensor_value_info("output_label", TensorProto.STRING if strings else TensorProto.INT64, [None]),
          onnx.ValueInfoProto(name="output_probability", type=seq)])

def sm(z): e = np.exp(z - z.max(1, keepdims=True)); return e / e.sum(1, keepdims=True)

exp = {}
def classifier(name, labels, W, b):
    P = sm(X2 @ W.T + b)
    exp[name] = {"X": X2.tolist(), "labels": [labels[i] for i in P.argmax(1)], "probabilities": P.tolist()}

zipmap("animals", ["bird", "cat", "dog"], W, b); classifier("animals", ["bird", "cat", "dog"], W, b)
zipmap("binneg", [-1, 1], W[:2], b[:2]); classifier("binneg", [-1, 1], W[:2], b[:2])
zipmap("sparse", [10, 20, 30], W, b); classifier("sparse", [10, 20, 30], W, b)

# scores only, [N, 3] FP32: a classifier when labels.txt names the classes, otherwise just a model
def scores(name, labels):
    save(name, [helper.make_node("MatMul", ["float_input", "wt"], ["z"]), helper.make_node("Add", ["z", "b"], ["zb"]),
                helper.make_node("Softmax", ["zb"], ["scores"], axis=1)],
         [fin(2)], [fout("scores", 3)], labels,
         [onnx.numpy_helper.from_array(W.T.copy(), "wt"), onnx.numpy_helper.from_array(b, "b")])
scores("scored_labelled", ["bird", "cat", "dog"])
P = sm(X2 @ W.T + b)
exp["scored_labelled"] = {"X": X2.tolist(), "indices": P.argmax(1).tolist(),
                          "class_names": [["bird", "cat", "dog"][i] for i in P.argmax(1)], "probabilities": P.tolist()}
scores("scored", None)
exp["scored"] = {"X": X2.tolist(), "values": P.tolist()}

def linreg(name, nodes, k): save(name, nodes, [fin(2)], [fout("variable", k)])
linreg("reg1", [helper.make_node("LinearRegressor", ["float_input"], ["variable"], domain="ai.onnx.ml",
       coefficients=RW[0].tolist(), intercepts=[float(rb[0])], targets=1)], 1)
linreg("multireg", [helper.make_node("LinearRegressor", ["float_input"], ["variable"], domain="ai.onnx.ml",
       coefficients=RW.flatten().tolist(), intercepts=rb.tolist(), targets=3)], 3)
linreg("pipe", [helper.make_node("Scaler", ["float_input"], ["scaled"], domain="ai.onnx.ml", offset=off.tolist(), scale=sc.tolist()),
                helper.make_node("LinearRegressor", ["scaled"], ["variable"], domain="ai.onnx.ml",
                                 coefficients=RW.flatten().tolist(), intercepts=rb.tolist(), targets=3)], 3)
exp["reg1"] = {"X": XR.tolist(), "values": (XR @ RW[:1].T + rb[:1]).tolist()}
exp["multireg"] = {"X": XR.tolist(), "values": (XR @ RW.T + rb).tolist()}
exp["pipe"] = {"X": XR.tolist(), "values": (((XR - off) * sc) @ RW.T + rb).tolist()}

# two outputs: total FP32 [N, 1] and doubled FP32 [N, 2]
save("twoheads", [helper.make_node("ReduceSum", ["float_input", "axes"], ["total"], keepdims=1),
                  helper.make_node("Add", ["float_input", "float_input"], ["doubled"])],
     [fin(2)], [fout("total", 1), fout("doubled", 2)], None, [onnx.numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")])
exp["twoheads"] = {"X": XR.tolist(), "outputs": {"total": XR.sum(1, keepdims=True).tolist(), "doubled": (2 * XR).tolist()}}

# the regressors and classifiers above are what scikit-learn computes for the same coefficients
from sklearn.linear_model import LinearRegression, LogisticRegression
lr = LinearRegression(); lr.coef_, lr.intercept_ = RW.astype(np.float64), rb.astype(np.float64)
assert np.allclose(lr.predict(XR), exp["multireg"]["values"], atol=1e-5)
lg = LogisticRegression(multi_class="multinomial") if "multi_class" in LogisticRegression().get_params() else LogisticRegression()
lg.coef_, lg.intercept_, lg.classes_ = W.astype(np.float64), b.astype(np.float64), np.array(["bird", "cat", "dog"])
assert list(lg.predict(X2)) == exp["animals"]["labels"]
assert np.allclose(lg.predict_proba(X2), exp["animals"]["probabilities"], atol=1e-5)
# what a server must meet against these values (the same 1e-5 as the scikit-learn checks above)
exp["tolerance"] = {"probabilities": {"abs": 1e-5}, "values": {"abs": 1e-5}, "outputs": {"abs": 1e-5}}
json.dump(exp, open("expected.json", "w"), indent=1)
