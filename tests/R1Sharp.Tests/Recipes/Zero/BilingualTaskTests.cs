// The bilingual task's split and pretraining pieces: held-out problems in both languages, the corpus `r1 pretrain
// --task chain-sum-bilingual` trains on, and a tokenizer trained on it that round-trips Chinese and merges numerals.
using R1Sharp.Recipes.Zero;
using R1Sharp.Tasks;
using R1Sharp.Text;

namespace R1Sharp.Tests.Recipes.Zero;

public class BilingualTaskTests
{
    [Fact]
    public void Held_out_problems_alternate_languages_and_are_the_english_task_problems()
    {
        var problems = BilingualTask.EvalProblems(4);
        Assert.Equal(["heldout-0-en", "heldout-1-zh", "heldout-2-en", "heldout-3-zh"], problems.Select(p => p.Id));
        Assert.Equal(ZeroTask.HeldOut[1].Answer, problems[1].Answer);
        Assert.StartsWith("求 甲 ", problems[1].Question);
        Assert.Equal(ZeroTask.HeldOut[1].Question,
            BilingualChainSum.ToEnglish(new TaskProblem(problems[1].Question, problems[1].Answer, 0)).Question);
        Assert.All(BilingualTask.EvalProblems(3, TaskLanguage.Chinese), p => Assert.EndsWith("-zh", p.Id));
        Assert.All(BilingualTask.TrainProblems(50, seed: 2), p =>
            Assert.DoesNotContain(BilingualChainSum.ToEnglish(new TaskProblem(p.Question, p.Answer, 0)).Question, ZeroTask.HeldOutQuestions));
    }

    [Fact]
    public void Pretrain_options_pick_the_task_and_refuse_unknown_ones()
    {
        var english = BilingualTask.PretrainDocuments(new PretrainOptions { CorpusSize = 200 });
        Assert.DoesNotContain(english, d => BilingualChainSum.LanguageOf(d.Prompt + d.Completion) == TaskLanguage.Chinese);
        var bilingual = BilingualTask.PretrainDocuments(new PretrainOptions { Task = BilingualChainSum.Name, CorpusSize = 200 });
        Assert.Contains(bilingual, d => BilingualChainSum.LanguageOf(d.Prompt) == TaskLanguage.Chinese);
        Assert.Contains(bilingual, d => BilingualChainSum.LanguageOf(d.Prompt) == TaskLanguage.English);
        var e = Assert.Throws<R1SharpException>(() => new PretrainOptions { Task = "chain-product" }.Validate());
        Assert.Contains("--task", e.Message);
        Assert.Contains(BilingualChainSum.Name, e.Message);
    }

    [Fact]
    public void A_tokenizer_trained_on_the_bilingual_corpus_round_trips_both_languages()
    {
        var options = new PretrainOptions { Task = BilingualChainSum.Name, CorpusSize = 1500 };
        var docs = BilingualTask.PretrainDocuments(options);
        string dir = Directory.CreateTempSubdirectory("bilingual-tok").FullName;
        ZeroPretrainer.TrainTokenizer(docs.Select(d => d.Prompt + d.Completion), options, dir);
        var tokenizer = HfTokenizer.Load(dir);
        string zh = BilingualChainSum.WorkedCompletion(
            BilingualChainSum.Pose(ChainSumTask.Make([7, 5, 9, 3]), TaskLanguage.Chinese), TaskLanguage.Chinese, switchAt: 2);
        foreach (var text in new[] { zh, docs[0].Prompt + docs[0].Completion, "求 甲 零 的个位数 a7 + b5" })
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false)));
        // Numerals are learned merges (one token each with their leading space), not three raw UTF-8 bytes.
        Assert.Single(tokenizer.Encode(" 七", addSpecialTokens: false));
        Assert.True(tokenizer.Encode(zh, addSpecialTokens: false).Length < System.Text.Encoding.UTF8.GetByteCount(zh) / 2);
    }
}
