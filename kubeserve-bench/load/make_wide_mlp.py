#!/usr/bin/python3
"""Writes a compute-heavy model for load runs: an MLP 256 -> 1024 -> 1024 -> 10 (about 1.3 M
multiply-adds per row, vs. a few dozen for iris), so a load run spends its time in the engine and
batching on/off shows. Two copies of the same weights, laid out as a KubeServe model repository:

    DIR/wide_mlp/1/model.onnx       ONNX, opset 13, dynamic batch dimension
    DIR/wide_mlp/config.json
    DIR/wide_mlp_ts/1/model.pt      TorchScript
    DIR/wide_mlp_ts/config.json     (TorchScript has no signature: the config declares it)

Usage: /usr/bin/python3 kubeserve-bench/load/make_wide_mlp.py DIR [--max-batch-size N --max-queue-delay-us US]

Needs Debian's python3-torch and python3-onnx (apt-get install -y python3-torch python3-onnx).
The output is large and generated, so it is not committed; the weights come from a fixed seed,
so every run writes the same model.
"""

import argparse
import json
import pathlib
import sys

try:
    import torch
except ImportError:
    sys.exit("make_wide_mlp.py needs PyTorch: apt-get install -y python3-torch python3-onnx "
             "and run it with /usr/bin/python3")

FEATURES, HIDDEN, CLASSES = 256, 1024, 10


class WideMlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(FEATURES, HIDDEN), torch.nn.ReLU(),
            torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.ReLU(),
            torch.nn.Linear(HIDDEN, CLASSES))

    def forward(self, x):
        return self.layers(x)


def config(args):
    # declared for both copies so /v2 metadata is the same whichever engine serves it
    # Triton's keys: with max_batch_size > 0 the dims leave out the batch dimension
    batched = args.max_batch_size > 0
    first = [] if batched else [-1]
    cfg = {
        "input": [{"name": "input", "data_type": "TYPE_FP32", "dims": first + [FEATURES]}],
        "output": [{"name": "output", "data_type": "TYPE_FP32", "dims": first + [CLASSES]}],
    }
    if batched:
        cfg["max_batch_size"] = args.max_batch_size
        cfg["dynamic_batching"] = {"max_queue_delay_microseconds": args.max_queue_delay_us}
    return cfg


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=pathlib.Path, help="model repository to write into")
    parser.add_argument("--max-batch-size", type=int, default=0,
                        help="written to config.json (0: key left out, batching off)")
    parser.add_argument("--max-queue-delay-us", type=int, default=500,
                        help="with --max-batch-size: how long a request may wait for a batch")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = WideMlp().eval()
    example = torch.randn(4, FEATURES)

    onnx_dir = args.dir / "wide_mlp" / "1"
    ts_dir = args.dir / "wide_mlp_ts" / "1"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    ts_dir.mkdir(parents=True, exist_ok=True)

    with torch.no_grad():
        torch.onnx.export(model, example, str(onnx_dir / "model.onnx"), opset_version=13,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        traced = torch.jit.trace(model, example)
        traced.save(str(ts_dir / "model.pt"))
        # the traced copy must compute what the module does, on a batch size it was not traced with
        probe = torch.randn(7, FEATURES)
        if not torch.allclose(traced(probe), model(probe), atol=1e-5):
            sys.exit("TorchScript copy disagrees with the module")

    try:
        import onnx
        onnx.checker.check_model(onnx.load(str(onnx_dir / "model.onnx")))
    except ImportError:
        print("python3-onnx not installed: ONNX file written but not checked", file=sys.stderr)

    for name in ("wide_mlp", "wide_mlp_ts"):
        (args.dir / name / "config.json").write_text(json.dumps(config(args), indent=2) + "\n")
    print(f"wrote {args.dir}/wide_mlp (ONNX) and {args.dir}/wide_mlp_ts (TorchScript): "
          f"{FEATURES}->{HIDDEN}->{HIDDEN}->{CLASSES}")


if __name__ == "__main__":
    main()
