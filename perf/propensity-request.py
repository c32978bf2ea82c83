"""Writes one tiny ModelInfer (propensity, one row of five FP32 features, no version) as a gRPC
frame, for h2load -d. Usage: python3 perf/propensity-request.py OUT"""
import struct
import sys


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(num, payload):
    return varint((num << 3) | 2) + varint(len(payload)) + payload


contents = field(6, struct.pack("<5f", 3, 12.5, 2, 14, 4))
tensor = field(1, b"features") + field(2, b"FP32") + field(3, varint(1) + varint(5)) + field(5, contents)
message = field(1, b"propensity") + field(5, tensor)
with open(sys.argv[1], "wb") as out:
    out.write(b"\x00" + struct.pack(">I", len(message)) + message)
