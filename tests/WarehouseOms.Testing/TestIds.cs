namespace WarehouseOms.Testing;

public static class TestIds
{
    /// <summary>A short unique ID with a readable prefix (tests share databases, a service and a broker).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
