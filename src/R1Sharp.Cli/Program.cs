// Entry point of the `r1` tool. Under `mpirun -np N` (N > 1) every rank joins the MPI job here and only rank 0 prints
// to standard output (errors still come from the rank that has them).
// Open MPI hands its ranks a pseudo-terminal: TERM=dumb keeps .NET from writing terminal mode escapes into the job's output.
if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not (null or "1"))
{
    Environment.SetEnvironmentVariable("TERM", "dumb");
    if (R1Sharp.Training.Distributed.DataParallel.Current is { IsMain: false }) Console.SetOut(TextWriter.Null);
}
return await R1Sharp.Cli.R1Cli.RunAsync(args);
