#!/usr/bin/python3
"""A well-behaved gRPC client's view of a server: sequential iris ModelInfer calls on one channel.

Usage: grpc_probe.py STUBS_DIR PORT SECONDS [LABEL]

STUBS_DIR holds open_inference_pb2*.py (grpc_tools.protoc of kubeserve-grpc/src/main/proto). Calls
127.0.0.1:PORT one after another for SECONDS, each with a 2-s deadline, and prints one line: calls,
calls/s, p50/p99/max latency in ms, and the calls that failed, by gRPC status. Stops by itself.
"""
import collections
import sys
import time

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import open_inference_pb2 as pb  # noqa: E402
import open_inference_pb2_grpc as pb_grpc  # noqa: E402


def main():
    port, seconds = int(sys.argv[2]), float(sys.argv[3])
    label = sys.argv[4] if len(sys.argv) > 4 else "probe"
    request = pb.ModelInferRequest(model_name="iris")
    tensor = request.inputs.add(name="float_input", datatype="FP32", shape=[1, 4])
    tensor.contents.fp32_contents.extend([5.1, 3.5, 1.4, 0.2])
    latencies, failures = [], collections.Counter()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            began = time.monotonic()
            try:
                stub.ModelInfer(request, timeout=2)
                latencies.append(time.monotonic() - began)
            except grpc.RpcError as e:
                failures[e.code().name] += 1
        elapsed = time.monotonic() - start
    latencies.sort()
    def ms(q):
        return f"{1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]:.2f}" if latencies else "-"
    calls = len(latencies) + sum(failures.values())
    print(f"{label}: {calls} calls, {len(latencies) / elapsed:.0f} answered/s, p50 {ms(0.5)} ms, p99 {ms(0.99)} ms,"
          f" max {ms(1.0)} ms, failed {sum(failures.values())} {dict(failures) if failures else ''}".rstrip())


if __name__ == "__main__":
    main()
