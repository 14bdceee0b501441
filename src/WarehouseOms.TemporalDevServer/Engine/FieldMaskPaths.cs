using Google.Protobuf.WellKnownTypes;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Field-mask paths as Temporal reads them: in their JSON (camelCase) form, whichever form the caller sent
/// (<c>start_to_close_timeout</c> and <c>startToCloseTimeout</c> are the same path).
/// </summary>
internal static class FieldMaskPaths
{
    public static HashSet<string> Parse(FieldMask? mask) => mask?.Paths.Select(ToCamel).ToHashSet(StringComparer.Ordinal) ?? [];

    /// <summary>Each dotted part from snake to camel case: the first word's first letter lowered, the others capitalised.</summary>
    public static string ToCamel(string path) => string.Join('.', path.Split('.').Select(part =>
    {
        var words = part.Split('_');
        var first = words[0].Length == 0 ? words[0] : char.ToLowerInvariant(words[0][0]) + words[0][1..];
        return first + string.Concat(words.Skip(1).Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant()));
    }));

    /// <summary>The mask names a field inside <paramref name="path"/> (not <paramref name="path"/> itself).</summary>
    public static bool HasSubPath(IEnumerable<string> fields, string path) => fields.Any(f => f.StartsWith(path + ".", StringComparison.Ordinal));

    public static bool HasPathOrSubPath(IReadOnlySet<string> fields, string path) => fields.Contains(path) || HasSubPath(fields, path);
}
