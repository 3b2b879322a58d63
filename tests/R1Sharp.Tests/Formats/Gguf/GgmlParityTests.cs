// Parity of GgmlQuants with ggml's own reference encoders, on bytes made by tools/gguf/make_ggml_quant_fixture.py
// (libggml-base.so of LLamaSharp.Backend.Cpu 0.30.0).
using System.Runtime.InteropServices;
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Tests.Formats.Gguf;

public class GgmlParityTests
{
    private static string Fixture(string name) => RepoPaths.Fixture("gguf", name);

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.BF16)]
    [InlineData(GgmlType.F16)]
    public void Encoder_is_bit_exact_with_ggml(GgmlType type)
    {
        float[] input = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Fixture("quant_input.f32"))).ToArray();
        byte[] expected = File.ReadAllBytes(Fixture($"quant_ref.{type}"));
        var actual = new byte[GgmlTypes.ByteCount(type, [input.Length])];
        GgmlQuants.Encode(type, input, actual);
        Assert.Equal(expected.Length, actual.Length);
        int firstDiff = Enumerable.Range(0, actual.Length).FirstOrDefault(i => actual[i] != expected[i], -1);
        Assert.True(firstDiff < 0, $"first differing byte {firstDiff}");
    }
}
