// The issue-16 config keys: TRL names and defaults, and a one-line error for each impossible combination.
using R1Sharp.Training.Grpo;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoFrontierConfigTests
{
    private static GrpoConfig Load(params string[] overrides) => GrpoConfig.Load(null, overrides);

    [Fact]
    public void Defaults_leave_every_new_term_off()
    {
        var c = Load().Validate();
        Assert.Equal(ImportanceSamplingLevel.Token, c.ImportanceSamplingLevel);
        Assert.Null(c.Delta);
        Assert.Equal((1.0, 1.05), (c.SapoTemperaturePos, c.SapoTemperatureNeg));
        Assert.Equal(1.0, c.TopEntropyQuantile);
        Assert.False(c.UsesEntropyBonus);
        Assert.False(c.UsesBehaviorLogProbs);
        Assert.Equal(3.0, c.ImportanceSamplingClipMax);
        Assert.Equal(MultiObjectiveAggregation.SumThenNormalize, c.MultiObjectiveAggregation);
        Assert.Equal((false, 0.6, 512, 0), (c.SyncRefModel, c.RefModelMixupAlpha, c.RefModelSyncSteps, c.RefModelResetSteps));
    }

    [Fact]
    public void Keys_parse_with_trl_names()
    {
        var c = Load("--loss_type=cispo", "--importance_sampling_level=sequence", "--epsilon_high=5", "--top_entropy_quantile=0.2",
            "--use_adaptive_entropy", "--entropy_target=0.3", "--multi_objective_aggregation=normalize_then_sum",
            "--importance_sampling_correction=sequence_mask", "--off_policy_mask_threshold=0.5", "--beta=0.01",
            "--use_bias_correction_kl", "--ref_model_reset_steps=50").Validate();
        Assert.Equal(LossType.Cispo, c.LossType);
        Assert.Equal(ImportanceSamplingLevel.Sequence, c.LossOptions.Level);
        Assert.Equal(ImportanceSamplingCorrection.SequenceMask, c.ImportanceSamplingCorrection);
        Assert.True(c.UsesEntropyBonus && c.UsesBehaviorLogProbs);
        Assert.Contains("\"importance_sampling_correction\": \"sequence_mask\"", c.ToJson());
    }

    [Theory]
    [InlineData("--loss_type=luspo", "needs importance_sampling_level=sequence")]
    [InlineData("--delta=0.9", "delta must be > 1")]
    [InlineData("--loss_type=cispo|--delta=4", "unset delta")]
    [InlineData("--sapo_temperature_neg=0", "sapo_temperature_pos and sapo_temperature_neg must be > 0")]
    [InlineData("--top_entropy_quantile=1.5", "top_entropy_quantile must be in [0, 1]")]
    [InlineData("--entropy_coef=-1", "entropy_coef must be >= 0")]
    [InlineData("--use_adaptive_entropy|--entropy_coef_min=2", "entropy_coef_min (2) must be >= 0 and <= entropy_coef_max")]
    [InlineData("--multi_objective_aggregation=normalize_then_sum|--scale_rewards=batch", "leave scale_rewards=group")]
    [InlineData("--importance_sampling_correction=token_mask|--importance_sampling_clip_max=null", "needs importance_sampling_clip_max or _clip_min")]
    [InlineData("--importance_sampling_clip_min=4", "must be >= 0 and below importance_sampling_clip_max")]
    [InlineData("--off_policy_mask_threshold=0", "off_policy_mask_threshold must be > 0")]
    [InlineData("--use_bias_correction_kl", "beta is 0")]
    [InlineData("--sync_ref_model", "beta is 0")]
    [InlineData("--ref_model_reset_steps=10", "beta is 0")]
    [InlineData("--beta=0.1|--sync_ref_model|--ref_model_reset_steps=10", "keep one")]
    [InlineData("--beta=0.1|--sync_ref_model|--ref_model_mixup_alpha=0", "ref_model_mixup_alpha must be in (0, 1]")]
    public void Impossible_combinations_fail_in_one_line(string overrides, string message)
    {
        var e = Assert.Throws<R1SharpException>(() => Load(overrides.Split('|')).Validate());
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unknown_loss_type_lists_the_known_ones()
    {
        var e = Assert.Throws<R1SharpException>(() => Load("--loss_type=vespo"));
        Assert.Contains("luspo", e.Message);
    }
}
