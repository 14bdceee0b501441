namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>What a start by ID does, given the ID's latest run.</summary>
internal enum StandaloneStartDecision
{
    /// <summary>A new run (no run yet, or a closed one the reuse policy allows).</summary>
    StartNew,

    /// <summary>The request ID is the run's own: a retried start, answered with that run (even closed).</summary>
    Repeated,

    /// <summary>USE_EXISTING on a running run: answered with it (attaching what the request asks).</summary>
    UseExisting,

    /// <summary>ALREADY_EXISTS: a running run under FAIL, or a closed one the reuse policy forbids.</summary>
    AlreadyStarted,
}

/// <summary>
/// Temporal's rule for a start by ID over an existing run (chasm's handleExecutionConflict), shared by the standalone
/// entities (activities, Nexus operations), whose own enums carry the same policies.
/// </summary>
internal static class StandaloneStartConflict
{
    /// <param name="current">The ID's latest run: its request IDs, whether it runs, whether it completed successfully; null when none.</param>
    public static StandaloneStartDecision Decide((Func<string, bool> HasRequestId, bool IsOpen, bool Succeeded)? current, string requestId,
        bool useExisting, bool rejectDuplicate, bool allowDuplicateFailedOnly)
    {
        if (current is not { } run)
        {
            return StandaloneStartDecision.StartNew;
        }

        if (run.HasRequestId(requestId))
        {
            return StandaloneStartDecision.Repeated;
        }

        if (run.IsOpen)
        {
            return useExisting ? StandaloneStartDecision.UseExisting : StandaloneStartDecision.AlreadyStarted;
        }

        return rejectDuplicate || (allowDuplicateFailedOnly && run.Succeeded) ? StandaloneStartDecision.AlreadyStarted : StandaloneStartDecision.StartNew;
    }
}
