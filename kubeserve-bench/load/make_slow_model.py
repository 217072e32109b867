#!/usr/bin/python3
"""Writes a model repository for the starvation run: a deliberately slow ONNX model next to the
fast iris one.

    DIR/slow/1/model.onnx    x: FP32 [N, 1] -> y: FP32 [N, 1]; about a second of one core per call
                             (a chain of MatMul + Tanh on a 512x1024 block that depends on x, so
                             nothing is folded away at load)
    DIR/slow/config.json     dynamic batching (max 4, 1 ms), one instance, one engine thread
    DIR/iris/1/model.onnx    copied from IRIS_ONNX (e.g. examples/models/iris/1/model.onnx)

Usage: /usr/bin/python3 kubeserve-bench/load/make_slow_model.py DIR IRIS_ONNX [--steps K] [--max-queue-size N]

Needs Debian's python3-onnx and python3-numpy. Weights come from a fixed seed.
"""

import argparse
import json
import pathlib
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("iris_onnx")
    parser.add_argument("--steps", type=int, default=150, help="MatMul+Tanh steps (about 7 ms each here)")
    parser.add_argument("--max-queue-size", type=int, default=0, help="0: the server's default")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    block = (rng.standard_normal((512, 1024)) * 0.05).astype(np.float32)
    weight = (rng.standard_normal((1024, 1024)) * 0.03).astype(np.float32)
    nodes = [helper.make_node("ReduceMean", ["x"], ["scale"], keepdims=0),
             helper.make_node("Mul", ["block", "scale"], ["h0"])]
    current = "h0"
    for step in range(args.steps):
        nodes.append(helper.make_node("MatMul", [current, "weight"], [f"m{step}"]))
        nodes.append(helper.make_node("Tanh", [f"m{step}"], [f"h{step + 1}"]))
        current = f"h{step + 1}"
    nodes += [helper.make_node("ReduceMean", [current], ["c"], keepdims=0),
              helper.make_node("Add", ["x", "c"], ["y"])]
    graph = helper.make_graph(nodes, "slow",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])],
                              [numpy_helper.from_array(block, "block"), numpy_helper.from_array(weight, "weight")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8

    root = pathlib.Path(args.dir)
    (root / "slow" / "1").mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(root / "slow" / "1" / "model.onnx"))
    config = {"max_batch_size": 4, "dynamic_batching": {"max_queue_delay_microseconds": 1000},
              "instance_group": [{"count": 1}], "intra_op_threads": 1}
    if args.max_queue_size:
        config["max_queue_size"] = args.max_queue_size
    (root / "slow" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (root / "iris" / "1").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.iris_onnx, root / "iris" / "1" / "model.onnx")
    print(f"wrote {root}/slow ({args.steps} steps) and {root}/iris")


if __name__ == "__main__":
    main()
