using WarehouseOms.Messaging.Consumers;
using WarehouseOms.Operations;

namespace WarehouseOms.Host.Console;

/// <summary>The service log's record of every operator action (console or JSON API), with the operator's reason.</summary>
public sealed partial class OperatorAudit(ILogger<OperatorAudit> logger)
{
    public void Replayed(string queue, IReadOnlyList<string> keys) =>
        LogReplayed(logger, keys.Count, queue, ErrorQueueCatalog.InputQueueOf(queue), string.Join(", ", keys.Select(k => LogText.Escape(k, 128))));

    public void Discarded(string queue, ErroredMessage message, string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        LogDiscarded(logger, LogText.Escape(message.Key, 128), queue, LogText.Escape(reason, 500), LogText.Escape(message.Reason, 500));
    }

    public void OutboxRetried(Guid? messageId, int rows) => LogRetried(logger, messageId?.ToString() ?? "all pending", rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operator replayed {Count} message(s) from {ErrorQueue} into {InputQueue}: {MessageKeys}")]
    private static partial void LogReplayed(ILogger logger, int count, string errorQueue, string inputQueue, string messageKeys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operator discarded message {MessageKey} from {ErrorQueue}, reason: {DiscardReason} (it had failed with: {FaultReason})")]
    private static partial void LogDiscarded(ILogger logger, string messageKey, string errorQueue, string discardReason, string faultReason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operator made outbox rows due now ({OutboxMessageId}): {Rows}")]
    private static partial void LogRetried(ILogger logger, string outboxMessageId, int rows);
}
