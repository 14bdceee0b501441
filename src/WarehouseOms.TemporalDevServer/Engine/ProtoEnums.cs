using System.Reflection;
using Google.Protobuf.Reflection;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>An enum value's name as the proto declares it (EXECUTION_TYPE_WORKFLOW), as Temporal's Go messages print it.</summary>
internal static class Enums
{
    public static string Name<T>(T value)
        where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
