// One test per safetensors validation rule (huggingface/safetensors tensor.rs read_metadata/validate, ARCHITECTURES.md §3).
// Each bad file must be rejected with a one-line R1SharpException naming the file and the tensor or "header".
using System.Text;
using R1Sharp.Formats.Safetensors;
using static R1Sharp.Tests.Formats.Safetensors.SafetensorsTestFiles;

namespace R1Sharp.Tests.Formats.Safetensors;

public class SafetensorsValidationTests
{
    private const string Good = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    [Fact]
    public void The_rust_crate_doc_example_file_opens()
    {
        // From tensor.rs: `<\x00..{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}` + 16 zero bytes.
        string json = """{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}""";
        Assert.Equal(0x3C, json.Length);
        var bytes = Raw(json, new byte[16]);
        WithMapped(bytes, f =>
        {
            var t = f.Tensors["test"];
            Assert.Equal(SafetensorsDType.I32, t.DType);
            Assert.Equal(new long[] { 2, 2 }, t.Shape);
            Assert.Equal(16, f.GetBytes("test").Length);
            Assert.Equal(new float[4], f.ReadAsFloat32("test"));
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void A_file_shorter_than_the_size_prefix_is_rejected(int length) =>
        AssertRejected(new byte[length], "header", "shorter than the 8-byte");

    [Fact]
    public void A_header_size_over_100_million_is_rejected() =>
        AssertRejected(Raw(Good, new byte[8], sizeOverride: 100_000_001), "header", "100000000");

    [Fact]
    public void A_header_size_of_ulong_max_is_rejected() =>
        AssertRejected(Raw(Good, new byte[8], sizeOverride: ulong.MaxValue), "header", "limit");

    [Fact]
    public void A_header_size_past_the_end_of_the_file_is_rejected() =>
        AssertRejected(Raw(Good, new byte[8], sizeOverride: (ulong)Good.Length + 9), "header", "past the end");

    [Fact]
    public void A_header_that_is_not_utf8_is_rejected()
    {
        var header = Encoding.UTF8.GetBytes(Good);
        header[3] = 0xC3; // lead byte followed by an ASCII byte: invalid UTF-8
        AssertRejected(Raw(header, new byte[8]), "header", "UTF-8");
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("not json")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} // c")]
    public void A_header_that_is_not_json_is_rejected(string json) => AssertRejected(Raw(json, new byte[8]), "header");

    [Theory]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    [InlineData("")]
    public void A_header_that_is_not_a_json_object_is_rejected(string json) => AssertRejected(Raw(json, []), "header");

    [Fact]
    public void Content_after_the_json_object_is_rejected() =>
        AssertRejected(Raw(Good + "{}", new byte[8]), "header");

    [Fact]
    public void Nul_padding_is_rejected_but_space_padding_is_accepted()
    {
        AssertRejected(Raw(Encoding.UTF8.GetBytes(Good).Concat(new byte[3]).ToArray(), new byte[8]), "header");
        WithMapped(Raw(Good + "     ", new byte[8]), f => Assert.Equal(8, f.GetBytes("a").Length));
    }

    [Fact]
    public void An_entry_that_is_not_an_object_is_rejected() =>
        AssertRejected(Raw("""{"w":[1,2]}""", []), "tensor 'w'", "not a JSON object");

    [Fact]
    public void A_dtype_that_is_not_a_string_is_rejected() =>
        AssertRejected(Raw("""{"w":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}""", new byte[8]), "tensor 'w'", "'dtype'");

    [Theory]
    [InlineData("F31")]
    [InlineData("f32")]
    [InlineData("")]
    public void An_unknown_dtype_is_rejected(string dtype) =>
        AssertRejected(Raw($$$"""{"w":{"dtype":"{{{dtype}}}","shape":[2],"data_offsets":[0,8]}}""", new byte[8]), "tensor 'w'", "unknown");

    [Theory]
    [InlineData("[-1]")]
    [InlineData("[1.5]")]
    [InlineData("[\"2\"]")]
    [InlineData("2")]
    [InlineData("[18446744073709551616]")]
    public void A_shape_that_is_not_non_negative_integers_is_rejected(string shape) =>
        AssertRejected(Raw($$$"""{"w":{"dtype":"F32","shape":{{{shape}}},"data_offsets":[0,8]}}""", new byte[8]), "tensor 'w'", "shape");

    [Theory]
    [InlineData("[0]")]
    [InlineData("[0,8,8]")]
    [InlineData("[-1,8]")]
    [InlineData("[0,8.0]")]
    [InlineData("{\"0\":0}")]
    public void Data_offsets_that_are_not_two_non_negative_integers_are_rejected(string offsets) =>
        AssertRejected(Raw("""{"w":{"dtype":"F32","shape":[2],"data_offsets":""" + offsets + "}}", new byte[8]), "tensor 'w'", "data_offsets");

    [Theory]
    [InlineData("dtype", """{"w":{"shape":[2],"data_offsets":[0,8]}}""")]
    [InlineData("shape", """{"w":{"dtype":"F32","data_offsets":[0,8]}}""")]
    [InlineData("data_offsets", """{"w":{"dtype":"F32","shape":[2]}}""")]
    public void A_missing_field_is_rejected(string field, string json) =>
        AssertRejected(Raw(json, new byte[8]), "tensor 'w'", $"no '{field}'");

    [Fact]
    public void A_field_given_twice_in_an_entry_is_rejected() =>
        AssertRejected(Raw("""{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]), "tensor 'w'", "twice");

    [Fact]
    public void Unknown_fields_in_an_entry_are_ignored_like_serde() =>
        WithMapped(Raw("""{"w":{"dtype":"F32","x":{"y":[1,{}]},"shape":[2],"data_offsets":[0,8]}}""", new byte[8]),
            f => Assert.Equal(8, f.GetBytes("w").Length));

    [Fact]
    public void Duplicate_tensor_names_are_rejected() =>
        AssertRejected(Raw("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", new byte[2]),
            "tensor 'w'", "twice");

    [Fact]
    public void Duplicate_names_spelled_with_json_escapes_are_rejected() =>
        AssertRejected(Raw("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\u0077":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", new byte[2]),
            "tensor 'w'", "twice");

    [Fact]
    public void A_duplicate_metadata_key_is_rejected() =>
        AssertRejected(Raw("""{"__metadata__":{"a":"1"},"__metadata__":{},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", new byte[1]),
            "header", "__metadata__");

    [Theory]
    [InlineData("""{"a":1}""")]
    [InlineData("""{"a":null}""")]
    [InlineData("[\"a\"]")]
    public void Metadata_that_is_not_a_string_map_is_rejected(string meta) =>
        AssertRejected(Raw("""{"__metadata__":""" + meta + "}", []), "header", "__metadata__");

    [Fact]
    public void A_gap_between_tensors_is_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}""", new byte[3]),
            "tensor 'b'", "gap");

    [Fact]
    public void Overlapping_tensors_are_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}""", new byte[3]),
            "tensor 'b'", "overlap");

    [Fact]
    public void Tensors_that_do_not_start_at_zero_are_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", new byte[2]), "tensor 'a'", "(0)");

    [Fact]
    public void An_end_before_the_begin_is_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"c":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}""", new byte[1]),
            "tensor 'c'", "end before");

    [Fact]
    public void A_byte_count_that_disagrees_with_dtype_and_shape_is_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]), "tensor 'a'", "needs 12");

    [Fact]
    public void A_shape_whose_size_overflows_64_bits_is_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", new byte[8]), "tensor 'a'", "overflow");

    [Fact]
    public void A_size_whose_bit_count_overflows_is_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}""", new byte[8]), "tensor 'a'", "overflow");

    [Fact]
    public void A_sub_byte_tensor_with_a_fractional_byte_count_is_rejected() =>
        AssertRejected(Raw("""{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}""", new byte[2]), "tensor 'a'", "12 bits");

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_rejected() =>
        AssertRejected(Raw(Good, new byte[9]), "header", "9 bytes");

    [Fact]
    public void A_truncated_data_buffer_is_rejected() =>
        AssertRejected(Raw(Good, new byte[7]), "tensor 'a'", "truncated");

    [Fact]
    public void Names_with_control_characters_stay_on_one_line_in_messages() =>
        AssertRejected(Raw("""{"a\nb":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]), "a\\u000ab");

    [Fact]
    public void An_empty_header_with_no_data_is_valid() =>
        WithMapped(Raw("{}", [], pad: true), f => Assert.Empty(f.Tensors));

    [Fact]
    public void Zero_byte_and_scalar_tensors_are_valid() =>
        WithMapped(Raw("""{"z":{"dtype":"F32","shape":[3,0],"data_offsets":[0,0]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}""", BitConverter.GetBytes(2.5)),
            f =>
            {
                Assert.Equal(0, f.GetBytes("z").Length);
                Assert.Empty(f.ReadAsFloat32("z"));
                Assert.Equal(new[] { 2.5f }, f.ReadAsFloat32("s"));
            });

    [Fact]
    public void Asking_for_an_unknown_tensor_names_file_and_tensor()
    {
        WithMapped(Raw(Good, new byte[8]), f =>
        {
            var ex = Assert.Throws<R1SharpException>(() => f.GetBytes("nope").Length);
            AssertMessage(ex.Message, f.Path, "tensor 'nope'", "not in this file");
        });
    }

    [Fact]
    public void Opening_a_missing_path_or_a_directory_throws_R1SharpException()
    {
        using var dir = new TempDir();
        Assert.Throws<R1SharpException>(() => SafetensorsFile.Open(dir.File("missing.safetensors")));
        Assert.Throws<R1SharpException>(() => SafetensorsFile.Open(dir.Path));
    }

    [Fact]
    public void Ranged_reads_outside_the_tensor_are_rejected()
    {
        WithMapped(Raw(Good, [1, 2, 3, 4, 5, 6, 7, 8]), f =>
        {
            Assert.Equal(new byte[] { 3, 4, 5 }, f.GetBytes("a", 2, 3).ToArray());
            Assert.Throws<R1SharpException>(() => f.GetBytes("a", 6, 3).Length);
            Assert.Throws<R1SharpException>(() => f.GetBytes("a", -1, 1).Length);
            Assert.Throws<R1SharpException>(() => f.GetBytes("a", long.MaxValue, 1).Length);
        });
    }
}
