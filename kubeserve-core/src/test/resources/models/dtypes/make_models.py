# Writes the echo models of the datatype tests, and the right values computed with numpy (not by
# KubeServe), into this folder. Run from here with Debian's python3-onnx and python3-torch:
#   /usr/bin/python3 make_models.py
# echo_<TYPE>.onnx: Identity x -> y of that ONNX element type, shape [N, 3] (every Open Inference
# datatype has one). echo.pt: a scripted identity module, typed per model by config.json.
# cast_<TYPE>.onnx: FP32 in, unsigned 16/32/64-bit out.
# half.onnx: field case01, x FP16 [N, 3] -> y = 2x FP16, z = float32(x).
import json
import numpy as np
import onnx
import torch
from onnx import helper, TensorProto, numpy_helper

ONNX_TYPES = {
    "BOOL": TensorProto.BOOL, "UINT8": TensorProto.UINT8, "UINT16": TensorProto.UINT16,
    "UINT32": TensorProto.UINT32, "UINT64": TensorProto.UINT64, "INT8": TensorProto.INT8,
    "INT16": TensorProto.INT16, "INT32": TensorProto.INT32, "INT64": TensorProto.INT64,
    "FP16": TensorProto.FLOAT16, "FP32": TensorProto.FLOAT, "FP64": TensorProto.DOUBLE,
    "BYTES": TensorProto.STRING}

def save(graph, name):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, name + ".onnx")

for name, elem in ONNX_TYPES.items():
    save(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "echo_" + name,
                           [helper.make_tensor_value_info("x", elem, ["N", 3])],
                           [helper.make_tensor_value_info("y", elem, ["N", 3])]), "echo_" + name)

# cast_<TYPE>.onnx: FP32 x -> y of an unsigned type the OnnxRuntime Java API can read out but not take in
for name in ("UINT16", "UINT32", "UINT64"):
    save(helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=ONNX_TYPES[name])], "cast_" + name,
                           [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
                           [helper.make_tensor_value_info("y", ONNX_TYPES[name], ["N", 3])]), "cast_" + name)

two = numpy_helper.from_array(np.array(2.0, dtype=np.float16), "two")
save(helper.make_graph(
    [helper.make_node("Mul", ["x", "two"], ["y"]),
     helper.make_node("Cast", ["x"], ["z"], to=TensorProto.FLOAT)],
    "half", [helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["N", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT16, ["N", 3]),
     helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 3])], [two]), "half")

class Echo(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x
torch.jit.script(Echo()).save("echo.pt")

# One sample [2, 3] per datatype, with each type's extremes: the request values (JSON numbers,
# booleans or strings) and what comes back, as JSON values and as little-endian bytes.
samples = {
    "BOOL": (np.bool_, [[True, False, True], [False, False, True]]),
    "UINT8": (np.uint8, [[0, 1, 255], [128, 7, 200]]),
    "UINT16": (np.uint16, [[0, 1, 65535], [32768, 7, 40000]]),
    "UINT32": (np.uint32, [[0, 1, 4294967295], [2147483648, 7, 3000000000]]),
    "UINT64": (np.uint64, [[0, 1, 18446744073709551615], [9223372036854775808, 7, 12345678901234567890]]),
    "INT8": (np.int8, [[-128, 0, 127], [-1, 1, 42]]),
    "INT16": (np.int16, [[-32768, 0, 32767], [-1, 1, 1234]]),
    "INT32": (np.int32, [[-2147483648, 0, 2147483647], [-1, 1, 123456]]),
    "INT64": (np.int64, [[-9223372036854775808, 0, 9223372036854775807], [-1, 1, 9007199254740993]]),
    "FP16": (np.float16, [[1.5, -2.25, 0.1], [65504.0, -0.0, 6e-08]]),
    "FP32": (np.float32, [[1.5, -2.25, 0.1], [3.4028234663852886e38, -0.0, 1e-45]]),
    "FP64": (np.float64, [[1.5, -2.25, 0.1], [1.7976931348623157e308, -0.0, 5e-324]]),
}
expected = {}
for name, (dtype, rows) in samples.items():
    a = np.array(rows, dtype=dtype)
    values = a.astype(np.float64).tolist() if a.dtype.kind == "f" else a.tolist()
    expected[name] = {"input": rows, "output": values, "bytes": a.astype(a.dtype.newbyteorder("<")).tobytes().hex()}
# BYTES: JSON strings are UTF-8 text; binary elements are any bytes (length-prefixed, little-endian)
texts = [["setosa", "", "mod\u00e8le"], ["\u65e5\u672c", "a\u0000b", "\U0001F600"]]
expected["BYTES"] = {"input": texts, "output": texts,
                     "bytes": b"".join(len(t.encode()).to_bytes(4, "little") + t.encode()
                                       for row in texts for t in row).hex()}
raw = [b"\x00\xff\xc3\x28", b"", b"\xff", b"\xc3\xa8", b"\x80\x81", b"plain"]
expected["BYTES_RAW"] = {"elements": [e.hex() for e in raw],
                         "bytes": b"".join(len(e).to_bytes(4, "little") + e for e in raw).hex()}
cast_x = np.array([[0.0, 1.0, 65535.0], [40000.0, 7.0, 255.0]], dtype=np.float32)
expected["cast"] = {"x_bytes": cast_x.astype("<f4").tobytes().hex(),
                    **{name: cast_x.astype(np.dtype(name.lower()).newbyteorder("<")).tobytes().hex()
                       for name in ("UINT16", "UINT32", "UINT64")}}
x = np.array([[1.5, -2.25, 0.1]], dtype=np.float16)
expected["half"] = {"x": [[1.5, -2.25, 0.1]], "x_bytes": x.astype("<f2").tobytes().hex(),
                    "y": (x * np.float16(2)).astype(np.float64).tolist(),
                    "y_bytes": (x * np.float16(2)).astype("<f2").tobytes().hex(),
                    "z": x.astype(np.float32).astype(np.float64).tolist()}
json.dump(expected, open("expected.json", "w"), indent=1)
