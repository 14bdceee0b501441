using System.Text;
using Temporalio.Api.Failure.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// A failure cut down to a byte budget, as Temporal keeps the cause of a failure too large to record: the
/// application type and non-retryable flag survive, then source, message and stack trace take what is left in
/// that order, then the cause (at most twenty deep). Protobuf's framing is counted roughly, as Temporal does.
/// </summary>
internal static class FailureTruncation
{
    private const int MaxDepth = 20;

    public static Failure? Truncate(Failure? failure, int maxBytes) => Truncate(failure, maxBytes, MaxDepth);

    private static Failure? Truncate(Failure? failure, int budget, int depth)
    {
        if (failure is null)
        {
            return null;
        }

        string Take(string text)
        {
            var kept = TruncateUtf8(text, budget);
            budget -= Encoding.UTF8.GetByteCount(kept);
            if (kept.Length > 0)
            {
                budget -= 4;
            }

            return kept;
        }

        var cut = new Failure();
        if (failure.ApplicationFailureInfo is { } app)
        {
            cut.ApplicationFailureInfo = new ApplicationFailureInfo { NonRetryable = app.NonRetryable, Type = Take(app.Type) };
            budget -= 8;
        }
        else if (failure.ServerFailureInfo is { } server)
        {
            cut.ServerFailureInfo = new ServerFailureInfo { NonRetryable = server.NonRetryable };
            budget -= 4;
        }

        cut.Source = Take(failure.Source);
        cut.Message = Take(failure.Message);
        cut.StackTrace = Take(failure.StackTrace);
        if (failure.Cause is not null && budget > 4 && depth > 0)
        {
            cut.Cause = Truncate(failure.Cause, budget - 4, depth - 1);
        }

        return cut;
    }

    /// <summary>At most <paramref name="maxBytes"/> UTF-8 bytes of the text, never splitting a character.</summary>
    internal static string TruncateUtf8(string text, int maxBytes)
    {
        if (maxBytes <= 0)
        {
            return string.Empty;
        }

        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var end = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }

        return text[..end];
    }
}
