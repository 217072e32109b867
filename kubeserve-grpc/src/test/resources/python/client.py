"""Calls a KubeServe gRPC port with Google's Python gRPC and stubs generated from our .proto.

Usage: client.py STUBS_DIR PORT ROWS_JSON
Prints one JSON object with what the server answered; the Java test checks it.
"""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402
import open_inference_pb2 as pb  # noqa: E402
import open_inference_pb2_grpc as pb_grpc  # noqa: E402


def outputs(response):
    """Every output as [name, datatype, shape, values], from typed or raw contents."""
    result = []
    for i, out in enumerate(response.outputs):
        shape = list(out.shape)
        size = 1
        for dim in shape:
            size *= dim
        if response.raw_output_contents:
            raw = response.raw_output_contents[i]
            if out.datatype == "FP32":
                values = list(struct.unpack("<%df" % size, raw))
            elif out.datatype == "INT64":
                values = list(struct.unpack("<%dq" % size, raw))
            elif out.datatype == "BYTES":
                values, at = [], 0
                for _ in range(size):
                    (length,) = struct.unpack_from("<I", raw, at)
                    values.append(raw[at + 4:at + 4 + length].decode("utf-8"))
                    at += 4 + length
            else:
                raise ValueError(out.datatype)
        elif out.datatype == "FP32":
            values = list(out.contents.fp32_contents)
        elif out.datatype == "INT64":
            values = list(out.contents.int64_contents)
        elif out.datatype == "BYTES":
            values = [v.decode("utf-8") for v in out.contents.bytes_contents]
        else:
            raise ValueError(out.datatype)
        result.append([out.name, out.datatype, shape, values])
    return result


def main():
    port = int(sys.argv[2])
    rows = json.loads(sys.argv[3])
    flat = [float(v) for row in rows for v in row]
    with grpc.insecure_channel("localhost:%d" % port) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        live = stub.ServerLive(pb.ServerLiveRequest(), timeout=30).live
        metadata = stub.ModelMetadata(pb.ModelMetadataRequest(name="iris"), timeout=30)

        def request():
            req = pb.ModelInferRequest(model_name="iris", id="py")
            tensor = req.inputs.add()
            tensor.name = "float_input"
            tensor.datatype = "FP32"
            tensor.shape.extend([len(rows), 4])
            return req, tensor

        typed_request, tensor = request()
        tensor.contents.fp32_contents.extend(flat)
        typed = stub.ModelInfer(typed_request, timeout=30)

        raw_request, _ = request()
        raw_request.raw_input_contents.append(struct.pack("<%df" % len(flat), *flat))
        raw = stub.ModelInfer(raw_request, timeout=30)

        try:
            stub.ModelInfer(pb.ModelInferRequest(model_name="nope"), timeout=30)
            unknown = "OK"
        except grpc.RpcError as error:
            unknown = error.code().name + ": " + error.details()

        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=30)

        print(json.dumps({
            "live": live,
            "metadata": {
                "name": metadata.name,
                "versions": list(metadata.versions),
                "inputs": [[t.name, t.datatype, list(t.shape)] for t in metadata.inputs],
            },
            "typed": {"id": typed.id, "raw_entries": len(typed.raw_output_contents), "outputs": outputs(typed)},
            "raw": {"id": raw.id, "raw_entries": len(raw.raw_output_contents), "outputs": outputs(raw)},
            "unknown_model": unknown,
            "health": health_pb2.HealthCheckResponse.ServingStatus.Name(health.status),
        }))


if __name__ == "__main__":
    main()
