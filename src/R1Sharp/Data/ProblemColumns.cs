// Column names of a problem dataset and the built-in conventions of GSM8K (openai/gsm8k), MATH-500
// (HuggingFaceH4/MATH-500) and AIME sets (AI-MO/aimo-validation-aime; Maxwell-Jia/AIME_2024 capitalises them).
namespace R1Sharp.Data;

/// <summary>
/// Which columns hold a problem's parts. <see cref="Question"/> and <see cref="Answer"/> are required in every row;
/// <see cref="Solution"/> and <see cref="Id"/> are used when present. With <see cref="AnswerMarker"/> set the gold
/// answer is the trimmed text after the marker's last occurrence in the answer column (GSM8K: "… #### 72" → "72").
/// </summary>
/// <param name="Name">The convention's name ("gsm8k", "math500", "aime", or yours).</param>
/// <param name="Question">The problem text column (required).</param>
/// <param name="Answer">The gold answer column (required; a string or a number).</param>
/// <param name="Solution">The worked solution column, if any (absent or null → no solution).</param>
/// <param name="Id">The id column, if any (absent or null → "&lt;file stem&gt;-&lt;row&gt;").</param>
/// <param name="AnswerMarker">When set, the gold answer is the text after this marker's last occurrence.</param>
public sealed record ProblemColumns(string Name, string Question, string Answer, string? Solution = null,
    string? Id = null, string? AnswerMarker = null)
{
    /// <summary>GSM8K: question/answer; gold = text after "#### ", solution = the whole answer text.</summary>
    public static ProblemColumns Gsm8k { get; } = new("gsm8k", "question", "answer", Solution: "answer", AnswerMarker: "#### ");

    /// <summary>MATH-500: problem/answer/solution, id from unique_id.</summary>
    public static ProblemColumns Math500 { get; } = new("math500", "problem", "answer", Solution: "solution", Id: "unique_id");

    /// <summary>AIME (lower case, e.g. AI-MO/aimo-validation-aime): problem/answer, optional solution and id.</summary>
    public static ProblemColumns Aime { get; } = new("aime", "problem", "answer", Solution: "solution", Id: "id");

    /// <summary>AIME with capitalised columns (e.g. Maxwell-Jia/AIME_2024): Problem/Answer/Solution/ID.</summary>
    public static ProblemColumns AimeCapitalised { get; } = new("aime", "Problem", "Answer", Solution: "Solution", Id: "ID");

    /// <summary>
    /// Picks a convention from the columns present: question+answer → GSM8K; Problem+Answer → AIME (capitalised);
    /// problem+answer with unique_id, subject or level → MATH-500; problem+answer → AIME. Null when none fits.
    /// </summary>
    public static ProblemColumns? Detect(IReadOnlyCollection<string> columns)
    {
        bool Has(string c) => columns.Contains(c);
        if (Has("question") && Has("answer")) return Gsm8k;
        if (Has("Problem") && Has("Answer")) return AimeCapitalised;
        if (Has("problem") && Has("answer"))
            return Has("unique_id") || Has("subject") || Has("level") ? Math500 : Aime;
        return null;
    }

    internal static string DetectionHint =>
        "expected question/answer (GSM8K), problem/answer/solution (MATH-500), problem/answer or Problem/Answer (AIME); " +
        "or pass ProblemColumns naming the question and answer columns";
}
