using WarehouseOms.Contracts;

namespace WarehouseOms.Operations;

/// <summary>
/// The service's input queues and their error queues (MassTransit's <c>{queue}_error</c>). A replay moves a
/// message back into its input queue, not to the fanout exchange: the exchange would hand a second copy to
/// every other subscriber that already took the message fine (ADR 0023). For the cart queue this is
/// ADR 0008's rule: the <c>oms-source-exchange</c> header the error pipe wrote tells which cart message it is.
/// </summary>
public static class ErrorQueueCatalog
{
    public const string ErrorSuffix = "_error";

    /// <summary>The service's error queues (the list lives in Contracts <see cref="Queues"/>).</summary>
    public static IReadOnlyList<string> ErrorQueues => Queues.ErrorQueues;

    /// <summary>True for one of the service's error queues (anything else is refused: no arbitrary queue is touched).</summary>
    public static bool IsErrorQueue(string queue) => ErrorQueues.Contains(queue, StringComparer.Ordinal);

    /// <summary>
    /// An error queue by its full name (<c>warehouse-oms.wms.pick-completed_error</c>) or short, by its exchange or
    /// input queue (<c>wms.pick-completed</c>, <c>cart</c>); null when it names none of the service's.
    /// </summary>
    public static string? Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string[] candidates = [name, name + ErrorSuffix, Queues.Prefix + name + ErrorSuffix];
        return candidates.FirstOrDefault(IsErrorQueue);
    }

    /// <summary>The input queue a message of <paramref name="errorQueue"/> is replayed into.</summary>
    public static string InputQueueOf(string errorQueue) =>
        IsErrorQueue(errorQueue)
            ? errorQueue[..^ErrorSuffix.Length]
            : throw new ArgumentException($"'{errorQueue}' is not one of the service's error queues.", nameof(errorQueue));
}
