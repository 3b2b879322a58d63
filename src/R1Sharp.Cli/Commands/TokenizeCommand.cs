// `r1 tokenize --model DIR [--decode]`: UTF-8 lines on stdin → one JSON array of ids per line
// (or JSON arrays → text with --decode).
using System.CommandLine;
using System.Text;
using System.Text.Json;
using R1Sharp.Text;

namespace R1Sharp.Cli.Commands;

internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var decode = new Option<bool>("--decode") { Description = "Read JSON arrays of ids and print the decoded text" };
        var noSpecial = new Option<bool>("--no-special") { Description = "Do not add BOS/EOS (encode) or drop special tokens (decode)" };
        var command = new Command("tokenize", "Tokenize stdin lines with a model's tokenizer (one JSON array of ids per line)")
        {
            model, decode, noSpecial,
        };
        CliAction.Set(command, (parse, token) =>
        {
            var tokenizer = HfTokenizer.Load(CommonOptions.ResolveModel(parse, model));
            bool special = !parse.GetValue(noSpecial);
            using var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
            int lineNumber = 0;
            for (string? line; (line = stdin.ReadLine()) != null;)
            {
                token.ThrowIfCancellationRequested();
                lineNumber++;
                if (parse.GetValue(decode))
                    stdout.WriteLine(tokenizer.Decode(ParseIds(line, lineNumber), skipSpecialTokens: !special));
                else
                    stdout.WriteLine("[" + string.Join(",", tokenizer.Encode(line, addSpecialTokens: special)) + "]");
            }
            stdout.Flush();
            return 0;
        });
        return command;
    }

    static int[] ParseIds(string line, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize<int[]>(line)
                ?? throw new R1SharpException($"stdin line {lineNumber}: expected a JSON array of token ids, got null");
        }
        catch (JsonException)
        {
            throw new R1SharpException($"stdin line {lineNumber}: expected a JSON array of token ids like [1,2,3]");
        }
    }
}
