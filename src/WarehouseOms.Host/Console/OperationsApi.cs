using RabbitMQ.Client.Exceptions;
using WarehouseOms.Operations;
using WarehouseOms.Persistence.Outbox;

namespace WarehouseOms.Host.Console;

public sealed record ReplayRequest(string? Key);

public sealed record DiscardRequest(string Key, string Reason);

public sealed record RetryRequest(Guid? MessageId);

public sealed record ReplayResultView(string Queue, string InputQueue, IReadOnlyList<string> Replayed);

public sealed record OutboxRowView(Guid MessageId, string Exchange, string State, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt);

/// <summary>
/// The console's actions as JSON for scripts (the CLI does the same over AMQP directly): error queues and
/// the outbox. Keys in <c>X-Api-Key</c> / <c>Authorization: Bearer</c>; errors are ProblemDetails.
/// </summary>
public static class OperationsApi
{
    public static WebApplication MapOperationsApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var errors = app.MapGroup("/errors").WithTags("Error queues");
        errors.MapGet("/", async (ErrorQueues queues, CancellationToken ct) => await Broker(async () => Results.Ok(await queues.DepthsAsync(ct).ConfigureAwait(false))).ConfigureAwait(false))
            .AddEndpointFilter<RequireReadAccess>();
        errors.MapGet("/{queue}", async (string queue, int? limit, ErrorQueues queues, CancellationToken ct) =>
                limit is < 1 or > 1000
                    ? Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["use 1 to 1000 (default 100)"] })
                    : await Broker(async () => Results.Ok(await queues.PeekAsync(queue, limit ?? 100, ct).ConfigureAwait(false))).ConfigureAwait(false))
            .AddEndpointFilter<RequireReadAccess>();
        errors.MapPost("/{queue}/replay", async (string queue, ReplayRequest? request, HttpContext context, ConsoleAccess access, ErrorQueues queues, OperatorAudit audit, CancellationToken ct) =>
        {
            if (await access.RefuseActionAsync(context).ConfigureAwait(false) is { } refused)
            {
                return Forbidden(refused);
            }

            return await Broker(async () =>
            {
                var replayed = await queues.ReplayAsync(queue, string.IsNullOrEmpty(request?.Key) ? null : request.Key, cancellationToken: ct).ConfigureAwait(false);
                audit.Replayed(queue, replayed);
                return Results.Ok(new ReplayResultView(queue, ErrorQueueCatalog.InputQueueOf(queue), replayed));
            }).ConfigureAwait(false);
        });
        errors.MapPost("/{queue}/discard", async (string queue, DiscardRequest request, HttpContext context, ConsoleAccess access, ErrorQueues queues, OperatorAudit audit, CancellationToken ct) =>
        {
            if (await access.RefuseActionAsync(context).ConfigureAwait(false) is { } refused)
            {
                return Forbidden(refused);
            }

            if (string.IsNullOrWhiteSpace(request.Key) || string.IsNullOrWhiteSpace(request.Reason))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["a message key and a reason are required"] });
            }

            return await Broker(async () =>
            {
                var discarded = await queues.DiscardAsync(queue, request.Key, ct).ConfigureAwait(false);
                audit.Discarded(queue, discarded, request.Reason.Trim());
                return Results.Ok(discarded);
            }).ConfigureAwait(false);
        });

        var outbox = app.MapGroup("/outbox").WithTags("Outbox");
        outbox.MapGet("/", async (IOutboxAdmin admin, CancellationToken ct) =>
                Results.Ok((await admin.ListPendingAsync(500, ct).ConfigureAwait(false)).Select(r =>
                    new OutboxRowView(r.MessageId, r.Exchange, OrderLineage.PublishState(r), r.Attempts, r.LastError, r.CreatedAt, r.LastAttemptAt)).ToList()))
            .AddEndpointFilter<RequireReadAccess>();
        outbox.MapPost("/retry", async (RetryRequest? request, HttpContext context, ConsoleAccess access, IOutboxAdmin admin, OperatorAudit audit, CancellationToken ct) =>
        {
            if (await access.RefuseActionAsync(context).ConfigureAwait(false) is { } refused)
            {
                return Forbidden(refused);
            }

            var rows = await admin.RetryNowAsync(request?.MessageId, ct).ConfigureAwait(false);
            audit.OutboxRetried(request?.MessageId, rows);
            return Results.Ok(new { rows });
        });
        return app;
    }

    private static IResult Forbidden(string reason) => Results.Problem(detail: reason, statusCode: StatusCodes.Status403Forbidden, title: "refused");

    private static async Task<IResult> Broker(Func<Task<IResult>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ErrorQueueNotFoundException ex)
        {
            return Results.Problem(detail: ex.Message, statusCode: StatusCodes.Status404NotFound, title: "not found");
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or InvalidOperationException)
        {
            return Results.Problem(detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "RabbitMQ unavailable");
        }
    }
}
