namespace WarehouseOms.Testing;

/// <summary>
/// The configuration every in-process test service starts from: its own database, the test broker, the
/// embedded in-memory engine on a free port, HTTP on a free loopback port, demo stock, quick outbox polls,
/// warnings and errors only in the log. A fixture adds (or overrides) what its tests need.
/// </summary>
public static class TestServiceSettings
{
    public static Dictionary<string, string?> For(string connectionString) => new()
    {
        ["ConnectionStrings:WarehouseOms"] = connectionString,
        ["Persistence:SeedDemoData"] = "true",
        ["Urls"] = "http://127.0.0.1:0",
        ["Temporal:Address"] = "",
        ["Temporal:EmbeddedPort"] = "0",
        ["Temporal:Embedded"] = "InMemory",
        ["RabbitMq:Uri"] = TestBroker.Uri.ToString(),
        ["Outbox:PollInterval"] = "00:00:00.500",
        ["Serilog:MinimumLevel:Default"] = "Warning",
    };

    /// <summary><see cref="For"/> with <paramref name="overrides"/> laid over it.</summary>
    public static Dictionary<string, string?> For(string connectionString, IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = For(connectionString);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }
}
