using System.Security.Cryptography;
using System.Text;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>A UUID (version 8, name-based) from a name: the same in every process, so IDs survive a restart.</summary>
internal static class NameBasedUuid
{
    public static string Of(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>RFC 4122 version 5 (SHA-1) in the nil namespace, as Go's uuid.NewSHA1(uuid.Nil, name) that Temporal uses.</summary>
    public static string Sha1(string name)
    {
        var input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));
#pragma warning disable CA5350 // not for security: the UUID version 5 algorithm is SHA-1
        var bytes = SHA1.HashData(input).AsSpan(0, 16).ToArray();
#pragma warning restore CA5350
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
