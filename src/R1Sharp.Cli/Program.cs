// Entry point of the `r1` tool.
return await R1Sharp.Cli.R1Cli.RunAsync(args);
