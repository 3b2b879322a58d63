// A compact Jinja source of the DeepSeek-R1 chat template (SERVING.md §2 rules, written for R1Sharp),
// stored in tokenizer_config.json of tokenizers R1Sharp trains so that Python tools render the same prompts.
namespace R1Sharp.Text.ChatTemplates;

/// <summary>Special tokens and a Jinja template for models trained from scratch in the DeepSeek-R1 format.</summary>
public static class DeepSeekR1Jinja
{
    /// <summary>The special tokens an R1-format tokenizer needs, BOS first and EOS second.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } =
    [
        DeepSeekR1ChatTemplate.Bos, DeepSeekR1ChatTemplate.Eos, DeepSeekR1ChatTemplate.UserTag,
        DeepSeekR1ChatTemplate.AssistantTag, "<think>", "</think>",
    ];

    /// <summary>
    /// System prompts joined by a blank line after BOS; user turns after <c>&lt;｜User｜&gt;</c>; earlier
    /// assistant turns without their thinking, closed by EOS; generation prompt <c>&lt;｜Assistant｜&gt;&lt;think&gt;\n</c>.
    /// Tool messages are not rendered.
    /// </summary>
    public const string Source =
        "{%- set ns = namespace(system='', is_first_sp=true) -%}" +
        "{%- for m in messages -%}{%- if m['role'] == 'system' -%}" +
        "{%- if ns.is_first_sp -%}{%- set ns.system = m['content'] -%}{%- set ns.is_first_sp = false -%}" +
        "{%- else -%}{%- set ns.system = ns.system + '\\n\\n' + m['content'] -%}{%- endif -%}" +
        "{%- endif -%}{%- endfor -%}" +
        "{{- bos_token -}}{{- ns.system -}}" +
        "{%- for m in messages -%}" +
        "{%- if m['role'] == 'user' -%}{{- '<｜User｜>' + m['content'] -}}" +
        "{%- elif m['role'] == 'assistant' -%}{%- set c = m['content'] -%}" +
        "{%- if '</think>' in c -%}{%- set c = c.split('</think>')[-1] -%}{%- endif -%}" +
        "{{- '<｜Assistant｜>' + c + '<｜end▁of▁sentence｜>' -}}" +
        "{%- endif -%}{%- endfor -%}" +
        "{%- if add_generation_prompt -%}{{- '<｜Assistant｜><think>\\n' -}}{%- endif -%}";
}
