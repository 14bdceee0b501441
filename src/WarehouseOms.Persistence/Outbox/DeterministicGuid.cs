using System.Security.Cryptography;
using System.Text;

namespace WarehouseOms.Persistence.Outbox;

/// <summary>
/// Name-based UUIDs (RFC 9562 version 5, SHA-1): the same name always yields the same ID. Used for
/// outbound message IDs so that a retried activity writes the same message, never a second one.
/// </summary>
public static class DeterministicGuid
{
    /// <summary>The namespace of WarehouseOms message IDs (a fixed, random UUID).</summary>
    public static readonly Guid MessageNamespace = new("6f1c3e0a-54d2-4b8e-9a57-2f9d4c7b1e03");

    public static Guid Create(Guid namespaceId, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var namespaceBytes = namespaceId.ToByteArray(bigEndian: true);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[namespaceBytes.Length + nameBytes.Length];
        namespaceBytes.CopyTo(input, 0);
        nameBytes.CopyTo(input, namespaceBytes.Length);

#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version 5; this is not a security use.
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350

        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50); // version 5
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes, bigEndian: true);
    }
}
