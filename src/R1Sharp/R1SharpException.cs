// The one exception type for errors a user can cause (bad file, bad field, bad option).
// The CLI prints its message as one line and exits with code 2.
namespace R1Sharp;

/// <summary>
/// An error caused by user input (a file, a field, an option). The message is one line that names
/// what is wrong and, where possible, what to do; the CLI prints it without a stack trace.
/// </summary>
public class R1SharpException : Exception
{
    public R1SharpException(string message) : base(message) { }
    public R1SharpException(string message, Exception inner) : base(message, inner) { }
}
