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
}
