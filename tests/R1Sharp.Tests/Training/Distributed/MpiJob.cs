// Runs the real r1 (r1.dll beside the tests) as an Open MPI job on this machine: `mpirun -np N dotnet r1.dll …`
// (as root in CI: --allow-run-as-root; 2 cores: --oversubscribe), and finds the pid of one rank to kill.
using System.Diagnostics;
using System.Text;
using R1Sharp.Tests.Cli;

namespace R1Sharp.Tests.Training.Distributed;

internal static class MpiJob
{
    static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "r1.dll");

    /// <summary>mpirun from Debian's openmpi-bin (.ci/run installs it); a clear failure where it is missing.</summary>
    static string Mpirun()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            if (File.Exists(Path.Combine(dir, "mpirun"))) return Path.Combine(dir, "mpirun");
        throw new InvalidOperationException("mpirun not found: install Open MPI (apt-get install openmpi-bin libopenmpi-dev), as .ci/run does");
    }

    /// <summary>Starts `mpirun -np <paramref name="ranks"/> r1 <paramref name="args"/>`.</summary>
    public static R1Running Start(int ranks, params string[] args) =>
        StartMpirun(["-np", ranks.ToString(), "dotnet", Dll, .. args], args);

    /// <summary>Runs an MPMD job to its end: one app context per element of <paramref name="apps"/>, one rank each, the
    /// r1 arguments of that rank (`mpirun -np 1 r1 A… : -np 1 r1 B…`), with <paramref name="environment"/> exported.</summary>
    public static R1Result RunEach(IReadOnlyDictionary<string, string> environment, params string[][] apps)
    {
        var argv = new List<string>();
        foreach (var (name, value) in environment) argv.AddRange(["-x", $"{name}={value}"]);
        for (int i = 0; i < apps.Length; i++)
        {
            if (i > 0) argv.Add(":");
            argv.AddRange(["-np", "1", "dotnet", Dll, .. apps[i]]);
        }
        using var job = StartMpirun([.. argv], apps[0]);
        return job.WaitForExit(TimeSpan.FromMinutes(5));
    }

    static R1Running StartMpirun(string[] mpirunArgs, string[] args)
    {
        var info = new ProcessStartInfo(Mpirun())
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in (string[])["--allow-run-as-root", "--oversubscribe", .. mpirunArgs]) info.ArgumentList.Add(a);
        return new R1Running(Process.Start(info)!, args);
    }

    /// <summary>Runs the job to its end (at most 5 minutes).</summary>
    public static R1Result Run(int ranks, params string[] args)
    {
        using var job = Start(ranks, args);
        return job.WaitForExit(TimeSpan.FromMinutes(5));
    }

    /// <summary>The pid of rank <paramref name="rank"/> among the descendants of <paramref name="root"/> (OMPI_COMM_WORLD_RANK in its environment).</summary>
    public static int RankPid(int root, int rank)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException) { }
        }
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            int pid = queue.Dequeue();
            try
            {
                var env = File.ReadAllText($"/proc/{pid}/environ").Split('\0');
                if (env.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            foreach (int child in children.GetValueOrDefault(pid) ?? []) queue.Enqueue(child);
        }
        throw new InvalidOperationException($"no rank {rank} under pid {root}");
    }
}
