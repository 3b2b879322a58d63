// R1Sharp lowers libgomp's spin count when it loads (OpenMpSpin), unless the user chose one (GOMP_SPINCOUNT) or a wait
// policy (OMP_WAIT_POLICY); the value must reach the native environment, where libgomp reads it.
using R1Sharp.IO;

namespace R1Sharp.Tests.IO;

public sealed class OpenMpSpinTests
{
    [Theory]
    [InlineData(null, null, true)]
    [InlineData("300000", null, false)]
    [InlineData(null, "PASSIVE", false)]
    public void The_spin_count_is_set_only_when_the_user_chose_neither_it_nor_a_wait_policy(string? spin, string? policy, bool sets)
    {
        var env = new Dictionary<string, string?> { ["GOMP_SPINCOUNT"] = spin, ["OMP_WAIT_POLICY"] = policy };
        Assert.Equal(sets, OpenMpSpin.Apply(name => env[name], (name, value) => env[name] = value));
        Assert.Equal(sets ? OpenMpSpin.SpinCount : spin, env["GOMP_SPINCOUNT"]);
    }

    [Fact]
    public void Loading_r1sharp_left_a_spin_count_in_the_native_environment()
    {
        Assert.NotNull(typeof(OpenMpSpin).Assembly); // R1Sharp is loaded, so its module initializers ran
        string? policy = OpenMpSpin.GetNative("OMP_WAIT_POLICY");
        if (policy is null) Assert.NotNull(OpenMpSpin.GetNative("GOMP_SPINCOUNT"));
    }
}
