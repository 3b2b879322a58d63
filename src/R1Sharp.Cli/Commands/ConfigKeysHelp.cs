// `r1 train sft|grpo --help` lists the recipe's config keys with their defaults, read from the config record itself
// (RecipeConfig.KeyDefaults), so the help cannot drift from the code.
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;
using R1Sharp.Training;

namespace R1Sharp.Cli.Commands;

internal static class ConfigKeysHelp
{
    static readonly ConditionalWeakTable<Command, IReadOnlyList<(string Key, string Default)>> Keys = new();

    /// <summary>Makes <paramref name="command"/>'s help end with the keys of <typeparamref name="T"/> and their defaults.</summary>
    public static void Register<T>(Command command) where T : class, new() => Keys.AddOrUpdate(command, RecipeConfig.KeyDefaults<T>());

    /// <summary>Adds the keys section to the help of every registered command under <paramref name="root"/>: the root's
    /// --help action is wrapped, so the standard help comes first.</summary>
    public static void Attach(RootCommand root)
    {
        var option = root.Options.OfType<HelpOption>().FirstOrDefault();
        if (option?.Action is HelpAction help) option.Action = new WithKeys(help);
    }

    sealed class WithKeys(HelpAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parse)
        {
            int code = help.Invoke(parse);
            if (Keys.TryGetValue(parse.CommandResult.Command, out var keys))
                Write(parse.InvocationConfiguration.Output ?? Console.Out, keys);
            return code;
        }
    }

    /// <summary>The section: one key per line, its default in a second column.</summary>
    public static void Write(TextWriter output, IReadOnlyList<(string Key, string Default)> keys)
    {
        output.WriteLine("Config keys (in the --config JSON file, or as --key=value; later wins), with their defaults:");
        int width = keys.Max(k => k.Key.Length) + 2;
        foreach (var (key, value) in keys) output.WriteLine($"  {key.PadRight(width)}{value}");
    }
}
