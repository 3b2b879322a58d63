#!/usr/bin/env python3
# Makes tests/fixtures/gguf/quant_*: 1024 float32 inputs and the bytes ggml's own reference encoders produce
# for them (quantize_row_q8_0_ref, quantize_row_q4_0_ref, ggml_fp32_to_bf16_row_ref, ggml_fp32_to_fp16_row).
# Needs only python3 and libggml-base.so from the LLamaSharp.Backend.Cpu 0.30.0 NuGet package (llama.cpp b6xxx):
#   python3 tools/gguf/make_ggml_quant_fixture.py [path/to/libggml-base.so]
# The test R1Sharp.Tests.Formats.Gguf.GgmlParityTests compares GgmlQuants against these files.
import ctypes, os, struct, sys

LIB = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser(
    "~/.nuget/packages/llamasharp.backend.cpu/0.30.0/LLamaSharpRuntimes/linux-x64/native/noavx/libggml-base.so")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "gguf")
N = 1024

def inputs():
    seed = 12345
    vals = []
    for i in range(N):
        seed = (seed * 6364136223846793005 + 1442695040888963407) % 2**64
        u = (seed >> 11) / 2**53                      # uniform [0, 1)
        scale = 10.0 ** ((seed >> 3) % 7 - 4)          # 1e-4 .. 1e2
        vals.append((u * 2 - 1) * scale)
    vals[64:96] = [0.0] * 32                          # an all-zero block
    vals[96:128] = [127.0] + [k + 0.5 for k in range(-15, 16)]  # d = 1 and exact halves: round half away from zero
    vals[128] = -300.0                                # negative maximum magnitude
    # bf16 / f16 ties and edge values
    bits = [0x3F808000, 0x3F818000, 0x3F808001, 0x7F7FFFFF, 0x80000000, 0x477FF000, 0x33000000, 0x3F801000]
    for k, b in enumerate(bits):
        vals[200 + k] = struct.unpack("<f", struct.pack("<I", b))[0]
    return struct.pack(f"<{N}f", *vals)

def main():
    g = ctypes.CDLL(LIB)
    data = inputs()
    src = (ctypes.c_float * N).from_buffer_copy(data)
    os.makedirs(OUT, exist_ok=True)
    open(os.path.join(OUT, "quant_input.f32"), "wb").write(data)
    for name, fn, nbytes in [("Q8_0", "quantize_row_q8_0_ref", N // 32 * 34), ("Q4_0", "quantize_row_q4_0_ref", N // 32 * 18),
                             ("BF16", "ggml_fp32_to_bf16_row_ref", N * 2), ("F16", "ggml_fp32_to_fp16_row", N * 2)]:
        out = (ctypes.c_uint8 * nbytes)()
        f = getattr(g, fn)
        f.argtypes, f.restype = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64], None
        f(src, out, N)
        open(os.path.join(OUT, f"quant_ref.{name}"), "wb").write(bytes(out))
        print(name, nbytes, "bytes")

main()
