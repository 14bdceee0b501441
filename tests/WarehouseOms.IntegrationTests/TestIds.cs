namespace WarehouseOms.IntegrationTests;

public static class TestIds
{
    /// <summary>A short unique ID with a readable prefix (tests share one service and broker).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
