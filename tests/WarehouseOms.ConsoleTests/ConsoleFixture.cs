using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using RabbitMQ.Client;
using WarehouseOms.Contracts;
using WarehouseOms.Host;

namespace WarehouseOms.ConsoleTests;

/// <summary>
/// The real service in-process (fresh database, the shared local RabbitMQ, the embedded Temporal engine)
/// with an operator key, a plain AMQP publisher like an upstream system, and Debian's chromium, headless,
/// driven through Debian's chromedriver (never downloaded: the driver path is given, ADR 0024).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string OperatorKey = "console-test-operator-key";

    public static Uri BrokerUri => TestBroker.Uri;

    private readonly ScratchDatabase database = new("warehouse_oms_console");
    private readonly string profile = Path.Combine(Path.GetTempPath(), "oms-console-chromium-" + Guid.NewGuid().ToString("N"));
    private WebApplication? app;
    private IConnection? broker;
    private IChannel? channel;

    public Uri BaseAddress { get; private set; } = null!;

    public IWebDriver Browser { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    /// <summary>Where the screenshots go: the test output directory, never committed.</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public IServiceProvider Services => app!.Services;

    public async Task InitializeAsync()
    {
        await database.CreateAsync();
        broker = await new ConnectionFactory { Uri = BrokerUri, ClientProvidedName = "console-tests" }.CreateConnectionAsync();
        channel = await broker.CreateChannelAsync();
        // Outbound events need a bound queue to be routable (publisher of the outbox uses mandatory).
        foreach (var exchange in Exchanges.Outbound)
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue.QueueName, exchange, string.Empty);
        }

        app = await WarehouseOmsHost.BuildAsync([], config => config.AddInMemoryCollection(TestServiceSettings.For(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Messaging:WorkflowNotFoundRetryLimit"] = "1",
            ["Messaging:WorkflowNotFoundMinInterval"] = "00:00:00.100",
            ["Messaging:WorkflowNotFoundMaxInterval"] = "00:00:00.200",
            ["Messaging:WorkflowNotFoundIntervalDelta"] = "00:00:00.100",
            ["Payments:AutoApprove"] = "true",
            ["Payments:FailureRate"] = "0",
            ["Console:OperatorKey"] = OperatorKey,
        })));
        await app.StartAsync();

        // MassTransit binds its queues in the background after the host has started: on a fresh broker a test
        // publishing before that would find its message in the unroutable queue. Tests start once it is ready.
        var bus = await app.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        if (bus != BusHealthStatus.Healthy)
        {
            throw new InvalidOperationException($"the service's bus is {bus} a minute after start");
        }

        BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Api = new HttpClient { BaseAddress = BaseAddress };
        Api.DefaultRequestHeaders.Add("X-Api-Key", OperatorKey);

        Directory.CreateDirectory(ScreenshotDirectory);
        Browser = StartChromium(profile);
    }

    /// <summary>Debian's chromium with the flags that work on a machine without internet.</summary>
    private static ChromeDriver StartChromium(string profile)
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1400,2400", $"--user-data-dir={profile}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public async Task PublishAsync(string exchange, object message, string messageId)
    {
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = messageId };
        var open = channel ?? throw new InvalidOperationException("not started");
        await open.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        await open.BasicPublishAsync(exchange, string.Empty, mandatory: false, properties, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message, JsonSerializerOptions.Web)));
    }

    public Task SubmitAsync(string orderId, string customerId, string shipToName) =>
        PublishAsync(Exchanges.OrderSubmitted, new
        {
            requestId = "req-" + orderId,
            orderId,
            customerId,
            lines = new[] { new { sku = "WIDGET-RED", quantity = 1 } },
            shipTo = new { name = shipToName, line1 = "1 Main St", city = "Springfield", postalCode = "12345", country = "US" },
        }, orderId + "-submit");

    public Task PickAsync(string orderId, string messageId) =>
        PublishAsync(Exchanges.PickCompleted, new { orderId, deviceId = "scanner-1", lines = new[] { new { sku = "WIDGET-RED", quantity = 1 } } }, messageId);

    public Task PackAsync(string orderId) =>
        PublishAsync(Exchanges.PackCompleted, new { orderId, deviceId = "pack-1", packages = new[] { new { packageId = "p1", weightKg = 1.2 } } }, orderId + "-pack");

    /// <summary>The order's summary and live workflow from the JSON API (null while it does not exist).</summary>
    public async Task<JsonElement?> OrderAsync(string orderId)
    {
        using var response = await Api.GetAsync(new Uri("/orders/" + Uri.EscapeDataString(orderId), UriKind.Relative));
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    public static string? StatusOf(JsonElement? order) =>
        order is { } o ? o.GetProperty("order").GetProperty("status").GetString() : null;

    public static string? LiveStepOf(JsonElement? order) =>
        order is { } o && o.GetProperty("workflow") is { ValueKind: JsonValueKind.Object } live ? live.GetProperty("currentStep").GetString() : null;

    public void Screenshot(string name) =>
        ((ITakesScreenshot)Browser).GetScreenshot().SaveAsFile(Path.Combine(ScreenshotDirectory, name + ".png"));

    public void Open(string pathAndQuery) => Browser.Navigate().GoToUrl(new Uri(BaseAddress, pathAndQuery));

    public async Task DisposeAsync()
    {
        Browser?.Quit();
        Browser?.Dispose();
        Api?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (channel is not null)
        {
            await channel.CloseAsync();
        }

        if (broker is not null)
        {
            await broker.CloseAsync();
        }

        await database.DropAsync();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // chromium may still hold a lock file for a moment; the temp directory is cleaned by the OS.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
