// Marker-delimited tool calls: Hermes/Qwen2.5 <tool_call>…</tool_call> and DeepSeek-R1 <｜tool▁call▁begin｜>…<｜tool▁call▁end｜>
// (vLLM hermes_tool_parser, deepseekv3_tool_parser; llama.cpp common_chat_parse_deepseek_r1).
using System.Text;
using System.Text.Json;
using static R1Sharp.Text.ChatTemplates.DeepSeekR1ChatTemplate;

namespace R1Sharp.Text.ChatTemplates;

public sealed partial class ToolCallParser
{
    private const string HermesBegin = "<tool_call>", HermesEnd = "</tool_call>";
    private static readonly string[] s_r1Openers = [ToolCallsBegin, ToolCallBegin];
    private static readonly string[] s_hermesOpeners = [HermesBegin];
    // Between R1 calls: the section markers, dropped.
    private static readonly string[] s_r1Noise = [ToolCallsBegin, ToolCallsEnd];

    private string[] Openers => _format == ToolCallFormat.DeepSeekR1 ? s_r1Openers : s_hermesOpeners;
    private string[] Noise => _format == ToolCallFormat.DeepSeekR1 ? s_r1Noise : [];
    private string BlockBegin => _format == ToolCallFormat.DeepSeekR1 ? ToolCallBegin : HermesBegin;
    private string BlockEnd => _format == ToolCallFormat.DeepSeekR1 ? ToolCallEnd : HermesEnd;

    // Markers and whitespace skipped since the calls section opened; given back as content when no call of the section
    // parses, so a cut or broken call reads as the model wrote it.
    private readonly StringBuilder _skipped = new();
    private int _sectionCalls;

    private void FallBack(StringBuilder content)
    {
        if (_sectionCalls == 0) content.Append(_skipped);
        _skipped.Clear();
    }

    // Returns the text to hold for the next step.
    private string StepMarkers(string s, bool final, StringBuilder content, List<ParsedToolCall> calls)
    {
        while (true)
        {
            if (!_inCalls)
            {
                int k = FirstOpener(s);
                if (k < 0)
                {
                    int hold = final ? 0 : HeldPrefix(s, Openers);
                    content.Append(s, 0, s.Length - hold);
                    return s[(s.Length - hold)..];
                }
                content.Append(s, 0, k);
                s = s[k..];
                _inCalls = true;
                _sectionCalls = 0;
                _skipped.Clear();
                continue;
            }
            string trimmed = s.TrimStart();
            _skipped.Append(s, 0, s.Length - trimmed.Length);
            s = trimmed;
            if (s.Length == 0)
            {
                if (final) FallBack(content);
                return "";
            }
            if (Noise.FirstOrDefault(n => s.StartsWith(n, StringComparison.Ordinal)) is { } noise)
            {
                _skipped.Append(noise);
                s = s[noise.Length..];
                continue;
            }
            if (s.StartsWith(BlockBegin, StringComparison.Ordinal))
            {
                int end = s.IndexOf(BlockEnd, BlockBegin.Length, StringComparison.Ordinal);
                if (end < 0)
                {
                    if (!final) return s;
                    FallBack(content);
                    content.Append(s); // an unclosed call (cut by max_tokens): left as text
                    return "";
                }
                string body = s[BlockBegin.Length..end];
                var call = _format == ToolCallFormat.DeepSeekR1 ? R1Call(body) : HermesCall(body);
                if (call is { } c)
                {
                    AddCall(c.Name, c.Arguments, calls);
                    _sectionCalls++;
                    _skipped.Clear();
                }
                else
                {
                    FallBack(content);
                    content.Append(s, 0, end + BlockEnd.Length);
                }
                s = s[(end + BlockEnd.Length)..];
                continue;
            }
            if (!final && (IsPrefixOfAny(s, [BlockBegin, .. Noise]))) return s;
            _inCalls = false; // other text after the calls: content again
            FallBack(content);
        }
    }

    private int FirstOpener(string s)
    {
        int best = -1;
        foreach (var o in Openers)
        {
            int k = s.IndexOf(o, StringComparison.Ordinal);
            if (k >= 0 && (best < 0 || k < best)) best = k;
        }
        return best;
    }

    // Length of the longest suffix of s that is a proper prefix of a marker (it may complete in the next piece).
    private static int HeldPrefix(string s, string[] markers)
    {
        int best = 0;
        foreach (var m in markers)
            for (int len = Math.Min(m.Length - 1, s.Length); len > best; len--)
                if (s.AsSpan(s.Length - len).SequenceEqual(m.AsSpan(0, len))) { best = len; break; }
        return best;
    }

    private static bool IsPrefixOfAny(string s, string[] markers) =>
        markers.Any(m => s.Length < m.Length && m.StartsWith(s, StringComparison.Ordinal));

    // "function<｜tool▁sep｜>NAME\n```json\nARGS\n```" (the fence optional, as llama.cpp accepts).
    private static (string Name, string Arguments)? R1Call(string body)
    {
        int sep = body.IndexOf(ToolSep, StringComparison.Ordinal);
        if (sep < 0) return null;
        string rest = body[(sep + ToolSep.Length)..];
        int nl = rest.IndexOf('\n');
        if (nl < 0) return null;
        string name = rest[..nl].Trim();
        string args = rest[(nl + 1)..].Trim();
        if (args.StartsWith("```", StringComparison.Ordinal))
        {
            int firstLine = args.IndexOf('\n');
            if (firstLine < 0 || !args.EndsWith("```", StringComparison.Ordinal) || args.Length < firstLine + 4) return null;
            args = args[(firstLine + 1)..^3].Trim();
        }
        return name.Length > 0 && IsJsonObject(args) ? (name, args) : null;
    }

    private static (string Name, string Arguments)? HermesCall(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body.Trim());
            return NamedCall(doc.RootElement);
        }
        catch (JsonException) { return null; }
    }
}
