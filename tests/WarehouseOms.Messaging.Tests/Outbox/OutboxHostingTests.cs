using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Persistence;
using WarehouseOms.Persistence.Outbox;

using WarehouseOms.Testing;

namespace WarehouseOms.Messaging.Tests.Outbox;

/// <summary>The wiring the Host uses: AddWarehousePersistence + AddOutboxRelay on a generic host, against a fresh database.</summary>
public sealed class OutboxHostingTests(OutboxFixture fixture) : IClassFixture<OutboxFixture>
{
    [Fact]
    public async Task Host_WithPersistenceAndRelay_MigratesSeedsAndPublishes()
    {
        var database = new ScratchDatabase("oms_host_test");
        var exchange = $"warehouse-oms.test-outbox-{Guid.NewGuid():N}";
        var queue = await fixture.BindQueueAsync(exchange);
        await database.CreateAsync();

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:WarehouseOms"] = database.ConnectionString,
            ["Persistence:SeedDemoData"] = "true",
            ["Outbox:PollInterval"] = "00:00:00.200",
            ["RabbitMq:Host"] = fixture.RabbitMq.Host,
            ["RabbitMq:Port"] = fixture.RabbitMq.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = fixture.RabbitMq.VirtualHost,
            ["RabbitMq:Username"] = fixture.RabbitMq.Username,
            ["RabbitMq:Password"] = fixture.RabbitMq.Password,
        });
        builder.Services.AddWarehousePersistence(builder.Configuration);
        builder.Services.AddOutboxRelay(builder.Configuration);
        builder.Services.AddHealthChecks().AddCheck<OutboxRelayHealthCheck>("outbox-relay");
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            var messageId = Guid.NewGuid();
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<WarehouseOmsDbContext>();
                Assert.True(await db.StockItems.FindAsync(DemoCatalog.WidgetRed) is not null, "demo catalogue seeded at start-up");
                await using var transaction = await db.Database.BeginTransactionAsync();
                await scope.ServiceProvider.GetRequiredService<IOutbox>().AddAsync(exchange, new TestEvent("ord-host", 1, DateTimeOffset.UtcNow), messageId);
                await transaction.CommitAsync();
            }

            var message = await Eventually.UntilAsync(async () => (await fixture.DrainAsync(queue)).FirstOrDefault(), m => m is not null, "host relay published the row");
            Assert.Equal(messageId.ToString(), message!.BasicProperties.MessageId);
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Healthy, report.Status);
        }
        finally
        {
            await host.StopAsync();
            await fixture.DeleteAsync(exchange, queue);
            await database.DropAsync();
        }
    }

    [Fact]
    public void AddOutboxRelay_InvalidOptions_FailsValidation()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Outbox:BatchSize"] = "0" })
            .Build();
        var services = new ServiceCollection().AddOutboxRelay(configuration).BuildServiceProvider();

        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OutboxRelayOptions>>().Value);
    }
}
