using System.Collections.Concurrent;
using System.Diagnostics;
using RabbitMQ.Client;
using WarehouseOms.Benchmarks;
using WarehouseOms.Contracts;

// End-to-end benchmark of the service, next to a raw RabbitMQ round trip measured in the same run on the
// same broker. Not a test: it prints figures; the exit code only says whether every order went through.
BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

// Until the service runs (after that its console lifetime takes Ctrl+C), so the database is still dropped.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return options.HotSku ? await HotSku.RunAsync(options, cancel.Token) : await RunAsync(options, cancel.Token);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}

static async Task<int> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken)
{
    var wall = Stopwatch.StartNew();
    Console.WriteLine($"Machine: {Report.Machine()}; load average at start {Report.LoadAverage()}");
    Console.WriteLine($"Run: {options.Orders} orders / raw messages, concurrency {options.Concurrency} (closed loop), " +
        $"budget {options.Budget.TotalSeconds:F0} s per phase, warm-up {options.Warmup}");

    // Outbound queues first, as downstream systems have them, so that nothing the service emits is unroutable.
    await using var connection = await ServiceUnderTest.ConnectBrokerAsync("warehouse-oms-benchmarks", cancellationToken);
    await using var outbound = await EventObserver.StartAsync(connection, Exchanges.Outbound, "orderId", durable: true, cancellationToken);
    await using var service = await ServiceUnderTest.StartAsync(cancellationToken);
    Console.WriteLine($"Service started in {wall.Elapsed.TotalSeconds:F1} s (database {service.DatabaseName}, " +
        $"broker {ServiceUnderTest.BrokerUri.Host}:{ServiceUnderTest.BrokerUri.Port})");
    await WarnAboutCompetingConsumersAsync(connection, cancellationToken);

    // Ctrl+C or SIGTERM now stops the service: stop measuring too, and leave through the disposals.
    using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, service.Stopping);
    cancellationToken = run.Token;

    var idle = await IdleCpu.MeasureAsync(TimeSpan.FromSeconds(5), cancellationToken);
    Console.WriteLine($"Idle service: {idle:F0} ms CPU per second in this process");

    var phases = new Phases(connection, outbound, options);
    var results = new List<Measurement>();
    var runId = Guid.NewGuid().ToString("N")[..8];
    var warmTag = runId + "W";

    await phases.RawRoundTripAsync("warm-up raw", warmTag, options.Warmup, cancellationToken);
    var raw = await phases.RawRoundTripAsync("raw RabbitMQ publish → consume", runId, options.Orders, cancellationToken);
    results.Add(raw);

    var warmPicked = new ConcurrentBag<int>();
    await phases.OrdersAsync("warm-up orders", warmTag, options.Warmup, warmPicked, cancellationToken);
    var picked = new ConcurrentBag<int>();
    var orders = await phases.OrdersAsync("order submitted → pick-wave-created", runId, options.Orders, picked, cancellationToken);
    results.Add(orders);

    if (options.Complete)
    {
        // The warm-up orders warm this phase up too: they are waiting for their pick as well.
        await phases.CompletionsAsync("warm-up completions", warmTag, [.. warmPicked.Order()], cancellationToken);
        results.Add(await phases.CompletionsAsync("pick+pack+delivered → order-completed", runId, [.. picked.Order()], cancellationToken));
    }

    await WarnAboutCompetingConsumersAsync(connection, cancellationToken);
    Console.WriteLine();
    Report.Print(results);
    Console.WriteLine();
    Report.PrintRatio(orders, raw);
    foreach (var measurement in results.Skip(1))
    {
        Report.PrintCpuCeiling(measurement);
    }

    Console.WriteLine($"Load average at the end {Report.LoadAverage()}; total run {wall.Elapsed.TotalSeconds:F1} s");
    return results.All(r => r.AllCompleted) ? 0 : 1;
}

// Inbound queue names are stable: another instance of the service on this broker (an integration test
// run, a developer's host) takes some of the benchmark's orders, which then time out or fail here.
static async Task WarnAboutCompetingConsumersAsync(IConnection connection, CancellationToken cancellationToken)
{
    await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
    var queue = await channel.QueueDeclarePassiveAsync(Queues.For(Exchanges.OrderSubmitted), cancellationToken);
    if (queue.ConsumerCount > 1)
    {
        Console.WriteLine($"WARNING: {queue.ConsumerCount} consumers on {queue.QueueName}: another service instance shares this broker.");
    }
}
