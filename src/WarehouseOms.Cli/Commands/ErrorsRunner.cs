using System.Globalization;
using System.Text.Json;
using RabbitMQ.Client.Exceptions;
using WarehouseOms.Cli.CommandLine;
using WarehouseOms.Operations;

namespace WarehouseOms.Cli.Commands;

/// <summary><c>errors list|replay|discard</c>: the console's error-queue actions (<see cref="ErrorQueues"/>, one implementation) for scripts.</summary>
internal sealed class ErrorsRunner(RabbitMqSettings settings, TextWriter output, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async Task<int> RunAsync(CliCommand command, CancellationToken cancellationToken)
    {
        var queues = new ErrorQueues(settings.CreateFactory());
        try
        {
            switch (command)
            {
                case ErrorsListCommand { Queue: null }:
                    var depths = await queues.DepthsAsync(cancellationToken).ConfigureAwait(false);
                    await WriteAsync(depths, depths.Select(d => $"{d.Queue,-52} {(d.Depth is { } n ? n.ToString(CultureInfo.InvariantCulture) : "-"),6}  → {d.InputQueue}")).ConfigureAwait(false);
                    break;
                case ErrorsListCommand { Queue: { } queue } list:
                    var messages = await queues.PeekAsync(queue, list.Limit, cancellationToken).ConfigureAwait(false);
                    var now = DateTimeOffset.UtcNow;
                    await WriteAsync(messages, messages.Select(m =>
                        $"{Safe(m.Key)}  failed {(m.FailedAt is { } at ? $"{(now - at).TotalMinutes:0} min ago" : "at ?")}: {Safe(m.Reason)}{Environment.NewLine}    {Safe(m.Body)}")).ConfigureAwait(false);
                    break;
                case ErrorsReplayCommand replay:
                    var replayed = await queues.ReplayAsync(replay.Queue, replay.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
                    await WriteAsync(
                        new { queue = replay.Queue, inputQueue = ErrorQueueCatalog.InputQueueOf(replay.Queue), replayed },
                        [$"replayed {replayed.Count} message(s) from {replay.Queue} into {ErrorQueueCatalog.InputQueueOf(replay.Queue)}", .. replayed.Select(k => "  " + k)]).ConfigureAwait(false);
                    break;
                case ErrorsDiscardCommand discard:
                    var message = await queues.DiscardAsync(discard.Queue, discard.Key, cancellationToken).ConfigureAwait(false);
                    await WriteAsync(
                        new { queue = discard.Queue, reason = discard.Reason, discarded = message },
                        [$"discarded {message.Key} from {discard.Queue}; reason: {discard.Reason}", $"  it had failed with: {Safe(message.Reason)}", $"  body: {Safe(message.Body)}"]).ConfigureAwait(false);
                    break;
                default:
                    throw new CliFailure(ExitCodes.Usage, $"No runner for {command.GetType().Name}.");
            }

            return ExitCodes.Ok;
        }
        catch (BrokerUnreachableException ex)
        {
            throw new CliFailure(ExitCodes.BrokerUnavailable, $"RabbitMQ at {settings.Describe()} is unreachable: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (ErrorQueueNotFoundException ex)
        {
            throw new CliFailure(ExitCodes.Failure, ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliFailure(ExitCodes.Failure, ex.Message, ex);
        }
    }

    /// <summary>Text from the broker on a terminal: control characters escaped, so a message cannot drive the terminal.</summary>
    private static string Safe(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    private async Task WriteAsync(object value, IEnumerable<string> lines)
    {
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(value, JsonOptions)).ConfigureAwait(false);
            return;
        }

        foreach (var line in lines)
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }
    }
}
