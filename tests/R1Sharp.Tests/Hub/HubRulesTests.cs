// Pure rules of the hub client, checked against hand-made tables: fnmatchcase globs, etag normalisation,
// symlink targets, repo folder names and the HF_* environment variables.
using R1Sharp.Hub;

namespace R1Sharp.Tests.Hub;

public class HubRulesTests
{
    [Theory]
    [InlineData("config.json", "*.json", true)]
    [InlineData("sub/a.json", "*.json", true)]          // fnmatch's * crosses "/"
    [InlineData("config.JSON", "*.json", false)]        // case-sensitive (fnmatchcase)
    [InlineData("model-00001-of-00002.safetensors", "model-0000?-of-*.safetensors", true)]
    [InlineData("sub/x.bin", "sub/", true)]             // trailing "/" = the whole folder
    [InlineData("subway.bin", "sub/", false)]
    [InlineData("a.bin", "[ab].bin", true)]
    [InlineData("c.bin", "[!ab].bin", true)]
    [InlineData("a.bin", "[!ab].bin", false)]
    [InlineData("[x].bin", "[x.bin", false)]            // an unclosed "[" is a literal
    [InlineData("[x.bin", "[x.bin", true)]
    [InlineData("a+b(1).txt", "a+b(1).txt", true)]      // regex metacharacters are literal
    public void Globs_follow_fnmatchcase(string path, string pattern, bool match) =>
        Assert.Equal(match, HubGlob.IsMatch(path, pattern));

    [Fact]
    public void Filter_keeps_included_files_that_no_exclude_matches()
    {
        string[] files = ["config.json", "tokenizer.json", "model.safetensors", "onnx/model.onnx", "README.md"];
        Assert.Equal(files, HubGlob.Filter(files, null, null));
        Assert.Equal(["config.json"], HubGlob.Filter(files, ["*.json"], ["tokenizer*"]));
        Assert.Equal(["config.json", "tokenizer.json", "model.safetensors", "README.md"], HubGlob.Filter(files, null, ["onnx/"]));
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("W/\"abc\"", "abc")]
    [InlineData("abc", "abc")]
    public void Etags_are_normalised(string raw, string expected) => Assert.Equal(expected, HubPaths.NormalizeEtag(raw));

    [Theory]
    [InlineData("config.json", "../../blobs/e")]
    [InlineData("a/b.bin", "../../../blobs/e")]
    [InlineData("a/b/c.bin", "../../../../blobs/e")]
    public void Snapshot_links_climb_back_to_blobs(string path, string target) => Assert.Equal(target, HubPaths.SnapshotLinkTarget(path, "e"));

    [Fact]
    public void Repo_folders_and_ids_round_trip()
    {
        Assert.Equal("models--deepseek-ai--DeepSeek-R1", HubPaths.RepoFolderName("deepseek-ai/DeepSeek-R1"));
        Assert.Equal("deepseek-ai/DeepSeek-R1", HubPaths.RepoIdOfFolder("models--deepseek-ai--DeepSeek-R1"));
        Assert.Null(HubPaths.RepoIdOfFolder("datasets--a--b"));
        HubPaths.ValidateRepoId("gpt2");
        foreach (var bad in new[] { "a/b/c", "../x", "a--b/c", "/abs", "a/", "" })
            Assert.Throws<R1SharpException>(() => HubPaths.ValidateRepoId(bad));
        Assert.Throws<R1SharpException>(() => HubPaths.ValidateRepoFilePath("a/b", "../../etc/passwd"));
        Assert.True(HubPaths.IsSha256Etag(new string('a', 64)));
        Assert.False(HubPaths.IsSha256Etag(new string('a', 40)));
    }

    [Fact]
    public void Settings_read_the_huggingface_hub_variables()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var none = HubSettings.FromVariables(_ => null);
        Assert.Equal("https://huggingface.co", none.Endpoint);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), none.CacheDir);
        Assert.False(none.Offline);
        Assert.Null(none.Token);

        var vars = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = "https://hf-mirror.com/", ["HF_HOME"] = "/data/hf", ["HF_TOKEN"] = "hf_x", ["HF_HUB_OFFLINE"] = "1",
        };
        var s = HubSettings.FromVariables(vars.GetValueOrDefault);
        Assert.Equal("https://hf-mirror.com", s.Endpoint);
        Assert.Equal("/data/hf/hub", s.CacheDir);
        Assert.Equal("hf_x", s.Token);
        Assert.True(s.Offline);

        vars["HF_HUB_CACHE"] = "/fast/cache";
        vars["HF_HUB_OFFLINE"] = "0";
        s = HubSettings.FromVariables(vars.GetValueOrDefault);
        Assert.Equal("/fast/cache", s.CacheDir);
        Assert.False(s.Offline);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData(".hidden", "starts with '.'")]
    [InlineData("a b", "contains U+0020")]
    [InlineData("a\u0001b", "contains U+0001")]
    [InlineData("a\tb", "contains U+0009")]
    [InlineData("a/b", "contains '/'")]
    [InlineData("a:b", "contains ':'")]
    public void Etags_that_cannot_name_a_blob_are_refused(string etag, string problem)
    {
        var e = Assert.Throws<R1SharpException>(() => HubPaths.ValidateEtag(etag, "acme/x", "config.json"));
        Assert.Contains($"unusable ETag for config.json of acme/x: it {problem}", e.Message);
        Assert.Contains("is 129 characters long (at most 128)",
            Assert.Throws<R1SharpException>(() => HubPaths.ValidateEtag(new string('a', 129), "acme/x", "f")).Message);
        HubPaths.ValidateEtag(new string('a', 64), "acme/x", "f");
        HubPaths.ValidateEtag("d41d8cd98f00b204e9800998ecf8427e-5", "acme/x", "f"); // S3 multipart style
    }

    [Fact]
    public void Listings_with_long_names_or_a_file_that_is_also_a_folder_are_refused()
    {
        HubPaths.ValidateRepoFilePath("acme/x", new string('n', 200));
        Assert.Contains("a name of 201 bytes; at most 200", Assert.Throws<R1SharpException>(() =>
            HubPaths.ValidateRepoFilePath("acme/x", "dir/" + new string('n', 201))).Message);
        Assert.Contains("a name of 202 bytes", Assert.Throws<R1SharpException>(() =>
            HubPaths.ValidateRepoFilePath("acme/x", new string('é', 101))).Message); // bytes, not characters
        Assert.Contains("1999 characters; at most 1024", Assert.Throws<R1SharpException>(() =>
            HubPaths.ValidateRepoFilePath("acme/x", string.Join('/', Enumerable.Repeat(new string('d', 99), 20)))).Message);
        HubPaths.ValidateNoFileFolderClash("acme/x", ["a/b", "a/c", "ab"]);
        Assert.Contains("'a/b' in acme/x as both a file and a folder (of 'a/b/c')",
            Assert.Throws<R1SharpException>(() => HubPaths.ValidateNoFileFolderClash("acme/x", ["a/b/c", "a/b"])).Message);
    }
}
