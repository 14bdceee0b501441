using System.Diagnostics;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Microsoft.Extensions.Configuration;
using Npgsql;
using WarehouseOms.Host;
using WarehouseOms.Testing;

namespace WarehouseOms.IntegrationTests;

/// <summary>
/// The real service, started once in-process for the whole collection: a fresh PostgreSQL database
/// (created here, demo catalogue seeded), the shared local RabbitMQ, the embedded Temporal dev server.
/// One host only, because the inbound queue names are stable: two hosts on one broker would compete for
/// each other's messages. Tests isolate themselves by unique request and order IDs.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    public static Uri BrokerUri => TestBroker.Uri;

    private readonly ScratchDatabase database = new("warehouse_oms_it");
    private WebApplication? app;

    /// <summary>The running service's container (e.g. its Temporal client, to look at workflows).</summary>
    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException("service not started");

    public string ConnectionString => database.ConnectionString;

    /// <summary>The service's finished spans, through OpenTelemetry's in-memory exporter, while recording.</summary>
    public RecordedSpans Spans { get; } = new();

    /// <summary>The service's HTTP address.</summary>
    public Uri BaseAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public Broker Broker { get; } = new(BrokerUri);

    /// <summary>The service's <c>Messaging:MaxMessageBytes</c> here: half the broker's <c>max_message_size</c>.</summary>
    public const int MaxMessageBytes = 512 * 1024;

    /// <summary>The service's log at Warning and above as compact JSON, one event a line (Serilog's file sink).</summary>
    public string LogFile { get; } = Path.Combine(Path.GetTempPath(), $"warehouse-oms-it-{Guid.NewGuid():N}.log");

    public async Task InitializeAsync()
    {
        await database.CreateAsync();

        await Broker.ConnectAsync();
        // Outbound observers first, so that nothing the service emits is unroutable.
        await Broker.ObserveAsync(Contracts.Exchanges.Outbound);

        app = await WarehouseOmsHost.BuildAsync([], config => config.AddInMemoryCollection(TestServiceSettings.For(ConnectionString, new Dictionary<string, string?>
        {
            ["Messaging:WorkflowNotFoundRetryLimit"] = "2",
            ["Messaging:WorkflowNotFoundMinInterval"] = "00:00:00.200",
            ["Messaging:WorkflowNotFoundMaxInterval"] = "00:00:01",

            // Below the broker's max_message_size (rabbitmq/rabbitmq.conf, 1 MiB), so that a body between the
            // two reaches the service and its own check answers it (HostileInputTests); the broker refuses a
            // larger one at publish already.
            ["Messaging:MaxMessageBytes"] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),

            // Manual approval as in production, with a timeout a test can wait for; the simulated provider
            // keeps failing 20 % of calls, with enough attempts that no order fails by chance.
            ["Payments:ApprovalTimeout"] = ApprovalTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Payments:MaxAttempts"] = "12",
            ["Fulfillment:ReplenishmentOverdueAfter"] = "00:00:05",
            ["Payments:FailureRate"] = "0.2",
            ["Serilog:Using:0"] = "Serilog.Sinks.File",
            ["Serilog:WriteTo:0:Name"] = "File",
            ["Serilog:WriteTo:0:Args:path"] = LogFile,
            ["Serilog:WriteTo:0:Args:formatter"] = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",

            // The reconciler runs when a test calls it (ReconcilerTests), and judges only orders aged on purpose.
            ["Reconciler:Interval"] = "01:00:00",
            ["Reconciler:MinAge"] = "00:10:00",

            // Traces and metrics as an operator switches them on (TelemetryTests): spans are exported to
            // Spans, metrics served at /metrics; database and broker gauges sampled every second.
            ["Telemetry:Tracing"] = "true",
            ["Telemetry:Metrics"] = "true",
            ["Telemetry:Otlp"] = "false",
            ["Telemetry:SampleInterval"] = "00:00:01",
        })));
        await app.StartAsync();

        // MassTransit binds its queues in the background after the host has started: on a fresh broker a test
        // publishing before that would find its message in the unroutable queue. Tests start once it is ready.
        var bus = await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        if (bus != BusHealthStatus.Healthy)
        {
            throw new InvalidOperationException($"the service's bus is {bus} a minute after start");
        }

        app.Services.GetRequiredService<TracerProvider>().AddProcessor(new SimpleActivityExportProcessor(new InMemoryExporter<Activity>(Spans)));
    }

    public static readonly TimeSpan ApprovalTimeout = TimeSpan.FromSeconds(15);

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await Broker.DisposeAsync();
        await database.DropAsync();
        File.Delete(LogFile);
    }

    /// <summary>
    /// Publishes payments.payment-approved for the order once its fulfillment has reserved stock (so the
    /// workflow exists; an approval that arrives earlier is remembered too, but the workflow must exist).
    /// </summary>
    public async Task ApprovePaymentAsync(string orderId, string approvedBy = "it-approver")
    {
        await Eventually.UntilAsync(() => Broker.For(Contracts.Exchanges.InventoryAllocated, orderId).Count > 0, $"inventory allocated for {orderId}");
        await Broker.PublishAsync(Contracts.Exchanges.PaymentApproved, new { orderId, approvedBy }, orderId + "-approve");
    }

    /// <summary>The service's log lines so far (read while the service keeps writing).</summary>
    public async Task<IReadOnlyList<string>> LogLinesAsync()
    {
        await using var stream = new FileStream(LogFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs a statement against the service's database (a test breaking state on purpose); returns the rows changed.</summary>
    public Task<int> ExecuteAsync(string sql, params object[] parameters) =>
        CommandAsync(sql, parameters, command => command.ExecuteNonQueryAsync());

    /// <summary>A single value from the service's database, e.g. an order's status.</summary>
    public Task<object?> ScalarAsync(string sql, params object[] parameters) =>
        CommandAsync(sql, parameters, command => command.ExecuteScalarAsync());

    private async Task<T> CommandAsync<T>(string sql, object[] parameters, Func<NpgsqlCommand, Task<T>> run)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return await run(command);
    }
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
