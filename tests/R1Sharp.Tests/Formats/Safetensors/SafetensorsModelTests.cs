// Sharded model directories: HF index layout, resolution only through weight_map (six-digit DeepSeek names),
// and the index/shard consistency errors. Layout: huggingface_hub/transformers (ARCHITECTURES.md §3).
using System.Text;
using System.Text.Json.Nodes;
using R1Sharp.Formats.Safetensors;

namespace R1Sharp.Tests.Formats.Safetensors;

public class SafetensorsModelTests
{
    private static List<SafetensorsEntry> Weights(int count, int floatsEach)
    {
        var list = new List<SafetensorsEntry>();
        for (int i = 0; i < count; i++)
        {
            var v = Enumerable.Range(0, floatsEach).Select(j => i * 1000f + j).ToArray();
            list.Add(SafetensorsEntry.FromFloat32($"layers.{i}.weight", v, [floatsEach]));
        }
        return list;
    }

    [Fact]
    public void Sharded_round_trip_writes_hf_names_and_an_index_with_total_size()
    {
        using var dir = new TempDir();
        var names = SafetensorsWriter.WriteSharded(dir.Path, Weights(5, 10), maxShardBytes: 80, new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(new[] { "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors" }, names);
        var index = JsonNode.Parse(File.ReadAllText(dir.File("model.safetensors.index.json")))!;
        Assert.Equal(200, (long)index["metadata"]!["total_size"]!);
        Assert.Equal("pt", (string)index["metadata"]!["format"]!);
        Assert.Equal("model-00003-of-00003.safetensors", (string)index["weight_map"]!["layers.4.weight"]!);

        using var model = SafetensorsModel.Open(dir.Path);
        Assert.Equal(5, model.Tensors.Count);
        Assert.Equal(3, model.Files.Count);
        Assert.Equal(200, model.TotalSize);
        Assert.True(model.Contains("layers.3.weight"));
        Assert.False(model.Contains("layers.5.weight"));
        Assert.Equal(3005f, model.ReadAsFloat32("layers.3.weight")[5]);
        Assert.Equal(40, model.GetBytes("layers.0.weight").Length);
        Assert.Equal("pt", model.Files[0].Metadata["format"]);
        Assert.Throws<R1SharpException>(() => model.GetBytes("missing").Length);
    }

    [Fact]
    public void Everything_that_fits_goes_into_one_model_safetensors_and_stale_shards_are_removed()
    {
        using var dir = new TempDir();
        SafetensorsWriter.WriteSharded(dir.Path, Weights(4, 10), maxShardBytes: 80);
        var names = SafetensorsWriter.WriteSharded(dir.Path, Weights(2, 10), maxShardBytes: 1000);
        Assert.Equal(new[] { "model.safetensors" }, names);
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
        using var model = SafetensorsModel.Open(dir.Path);
        Assert.Equal(2, model.Tensors.Count);
    }

    [Fact]
    public void A_tensor_larger_than_the_shard_limit_gets_its_own_shard()
    {
        var entries = new List<SafetensorsEntry>
        {
            SafetensorsEntry.FromFloat32("small", new float[2], [2]),
            SafetensorsEntry.FromFloat32("huge", new float[100], [100]),
            SafetensorsEntry.FromFloat32("tail", new float[2], [2]),
        };
        var groups = SafetensorsWriter.Group(entries, 64);
        Assert.Equal(new[] { 1, 1, 1 }, groups.Select(g => g.Count));
        Assert.Single(SafetensorsWriter.Group(entries, 1000));
    }

    /// <summary>Two hand-named shards with DeepSeek's six-digit total; the index decides everything.</summary>
    private static TempDir DeepSeekStyle(Action<JsonObject>? editIndex = null, bool extraTensorInShard2 = false)
    {
        var dir = new TempDir();
        string s1 = "model-00001-of-000002.safetensors", s2 = "model-00002-of-000002.safetensors";
        SafetensorsWriter.Write(dir.File(s1), [SafetensorsEntry.FromFloat32("embed", [1, 2], [2])]);
        var second = new List<SafetensorsEntry> { SafetensorsEntry.FromFloat32("head", [3], [1]) };
        if (extraTensorInShard2) second.Add(SafetensorsEntry.FromFloat32("stray", [4], [1]));
        SafetensorsWriter.Write(dir.File(s2), second);
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = 12 },
            ["weight_map"] = new JsonObject { ["embed"] = s1, ["head"] = s2 },
        };
        editIndex?.Invoke(index);
        File.WriteAllText(dir.File("model.safetensors.index.json"), index.ToJsonString());
        return dir;
    }

    [Fact]
    public void Six_digit_shard_names_resolve_through_the_weight_map()
    {
        using var dir = DeepSeekStyle();
        using var model = SafetensorsModel.Open(dir.Path);
        Assert.Equal(new[] { 1f, 2f }, model.ReadAsFloat32("embed"));
        Assert.Equal(new[] { 3f }, model.ReadAsFloat32("head"));
        Assert.EndsWith("model-00002-of-000002.safetensors", model.FileOf("head").Path);
    }

    private static void AssertOpenFails(TempDir dir, params string[] fragments)
    {
        var ex = Assert.Throws<R1SharpException>(() => SafetensorsModel.Open(dir.Path).Dispose());
        Assert.DoesNotContain('\n', ex.Message);
        foreach (string f in fragments) Assert.Contains(f, ex.Message);
    }

    [Fact]
    public void A_missing_shard_is_an_error_naming_it()
    {
        using var dir = DeepSeekStyle();
        File.Delete(dir.File("model-00002-of-000002.safetensors"));
        AssertOpenFails(dir, "model-00002-of-000002.safetensors", "missing");
    }

    [Fact]
    public void A_listed_tensor_absent_from_its_shard_is_an_error() =>
        AssertOpenFailsWith(i => i["weight_map"]!["ghost"] = "model-00002-of-000002.safetensors", "'ghost'", "does not contain");

    [Fact]
    public void A_tensor_in_a_shard_but_not_in_the_index_is_an_error()
    {
        using var dir = DeepSeekStyle(extraTensorInShard2: true);
        AssertOpenFails(dir, "'stray'", "model-00002-of-000002.safetensors", "not listed");
    }

    [Fact]
    public void A_tensor_present_in_two_shards_is_an_error()
    {
        using var dir = DeepSeekStyle(i => i["weight_map"]!["head2"] = "model-00001-of-000002.safetensors");
        SafetensorsWriter.Write(dir.File("model-00001-of-000002.safetensors"), [
            SafetensorsEntry.FromFloat32("embed", [1, 2], [2]), SafetensorsEntry.FromFloat32("head", [3], [1]),
            SafetensorsEntry.FromFloat32("head2", [3], [1])]);
        AssertOpenFails(dir, "'head'", "model-00001-of-000002.safetensors", "model-00002-of-000002.safetensors");
    }

    private static void AssertOpenFailsWith(Action<JsonObject> edit, params string[] fragments)
    {
        using var dir = DeepSeekStyle(edit);
        AssertOpenFails(dir, fragments.Append("model.safetensors.index.json").ToArray());
    }

    [Fact]
    public void An_index_without_weight_map_is_an_error() =>
        AssertOpenFailsWith(i => i.Remove("weight_map"), "weight_map");

    [Fact]
    public void A_weight_map_value_that_is_not_a_string_is_an_error() =>
        AssertOpenFailsWith(i => i["weight_map"]!["head"] = 3, "'head'");

    [Fact]
    public void A_weight_map_path_leaving_the_directory_is_an_error() =>
        AssertOpenFailsWith(i => i["weight_map"]!["head"] = "../model-00002-of-000002.safetensors", "plain file name");

    [Fact]
    public void A_non_numeric_total_size_is_an_error() =>
        AssertOpenFailsWith(i => i["metadata"]!["total_size"] = "big", "total_size");

    [Fact]
    public void An_index_that_is_not_json_or_has_duplicate_keys_is_an_error()
    {
        using var dir = DeepSeekStyle();
        string path = dir.File("model.safetensors.index.json");
        File.WriteAllText(path, "{\"weight_map\": {\"embed\": ");
        AssertOpenFails(dir, "not valid JSON");
        File.WriteAllText(path, """{"weight_map":{"embed":"model-00001-of-000002.safetensors","embed":"model-00001-of-000002.safetensors"}}""");
        AssertOpenFails(dir, "'embed'", "twice");
    }

    [Fact]
    public void A_directory_without_weights_is_an_error()
    {
        using var dir = new TempDir();
        AssertOpenFails(dir, "neither model.safetensors nor model.safetensors.index.json");
    }

    [Fact]
    public void A_corrupt_shard_fails_open_with_the_shard_named()
    {
        using var dir = DeepSeekStyle();
        File.WriteAllBytes(dir.File("model-00002-of-000002.safetensors"), Encoding.ASCII.GetBytes("garbage!"));
        AssertOpenFails(dir, "model-00002-of-000002.safetensors", "header");
    }
}
