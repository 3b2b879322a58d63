// A local R1Sharp model behind Microsoft.Extensions.AI's IChatClient: streaming with the reasoning shown apart from the
// answer, a thinking budget through ChatOptions.Reasoning, and tools through FunctionInvokingChatClient.
// Run from the repository root: dotnet run --project samples/ChatClient -c Release -- [MODEL_DIR] [QUESTION] [TEMPLATE] [EFFORT]
// Defaults: the committed chain-sum base model (it thinks, then answers) with the R1-Zero prompt it was trained on.
using System.ComponentModel;
using Microsoft.Extensions.AI;
using R1Sharp.Serving;

string model = args.Length > 0 ? args[0] : "models/chain-sum-base";
string question = args.Length > 1 ? args[1] : "Last digit of a7 + b1 + c5 + d9";
string template = args.Length > 2 ? args[2] : args.Length > 0 ? "auto" : "r1-zero";

// chatTemplate and dtype choose as `r1 serve --chat-template --dtype` do: "auto" = the model's own template, "r1-zero"
// the R1-Zero prompt of base models; dtype f32, bf16, int8 or int4.
using var local = LocalChatClient.Load(model, chatTemplate: template, dtype: "f32");
Console.WriteLine($"model: {local.GetService<ChatClientMetadata>()?.DefaultModelId}");

// 1. Streaming. Thinking arrives as TextReasoningContent, the answer as TextContent. Reasoning.Effort sets the thinking
//    budget: High (and ExtraHigh) unlimited; None 0 tokens, Low 512, Medium 2048, after which the model is made to
//    answer — those need a tokenizer with a single "</think>" token, which the chain-sum base (a 402-token vocabulary)
//    lacks; R1-Distill models have it.
var options = new ChatOptions
{
    MaxOutputTokens = 96, Temperature = 0.6f, TopP = 0.95f, Seed = 1,
    Reasoning = new ReasoningOptions { Effort = args.Length > 3 ? Enum.Parse<ReasoningEffort>(args[3], ignoreCase: true) : ReasoningEffort.High },
};
Console.WriteLine($"> {question}");
var updates = new List<ChatResponseUpdate>();
string? section = null;
await foreach (var update in local.GetStreamingResponseAsync(question, options))
{
    updates.Add(update);
    foreach (var content in update.Contents)
    {
        (string name, string text) = content switch
        {
            TextReasoningContent r => ("thinking", r.Text),
            TextContent t => ("answer", t.Text),
            _ => (section ?? "", ""),
        };
        if (text.Length == 0) continue;
        if (name != section) Console.Write($"{(section is null ? "" : "\n")}[{section = name}] ");
        Console.Write(text);
    }
}
var response = updates.ToChatResponse();
Console.WriteLine($"\n[usage] {response.Usage?.OutputTokenCount} tokens ({response.Usage?.ReasoningTokenCount} reasoning), finish: {response.FinishReason}");

// 2. Tools. FunctionInvokingChatClient runs the functions the model asks for and sends their results back. A client
//    refuses what it does not implement by name (ChatRequestException), never ignores it.
IChatClient withTools = new ChatClientBuilder(local).UseFunctionInvocation().Build();
var toolOptions = new ChatOptions { MaxOutputTokens = 48, Temperature = 0, Tools = [AIFunctionFactory.Create(Add)] };
try
{
    var answer = await withTools.GetResponseAsync("Use the add tool: what is 17 + 25?", toolOptions);
    int calls = answer.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Count();
    Console.WriteLine($"[tools] {calls} tool call(s); answer: {answer.Text}");
}
catch (ChatRequestException e)
{
    Console.WriteLine($"[tools] refused: {e.Message}");
}

[Description("Adds two whole numbers.")]
static int Add([Description("the first number")] int a, [Description("the second number")] int b) => a + b;
