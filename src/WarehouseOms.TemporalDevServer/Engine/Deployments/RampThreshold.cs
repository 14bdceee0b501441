using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace WarehouseOms.TemporalDevServer.Engine.Deployments;

/// <summary>
/// Where a workflow ID falls in a ramp, as Temporal decides it: 100 × FarmHash Fingerprint32 of the ID's
/// UTF-8 bytes / 2^32, a number in [0, 100). A workflow goes to the ramping version when that number is at
/// most the ramp percentage, so the same IDs ramp on this engine as on a Temporal cluster.
/// </summary>
internal static class RampThreshold
{
    public static double Of(string workflowId)
    {
        if (workflowId.Length == 0)
        {
            return Random.Shared.NextDouble() * 100; // Temporal: no ID, a random draw
        }

        var length = Encoding.UTF8.GetByteCount(workflowId);
        var rented = length <= 256 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> bytes = rented ?? stackalloc byte[256];
        bytes = bytes[..Encoding.UTF8.GetBytes(workflowId, bytes)];
        var hash = FarmHash32.Fingerprint(bytes);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return 100 * (hash / 4294967296.0);
    }
}

/// <summary>FarmHash's 32-bit fingerprint (farmhashmk Hash32), whose value never changes across versions or platforms.</summary>
internal static class FarmHash32
{
    private const uint C1 = 0xcc9e2d51;
    private const uint C2 = 0x1b873593;

    public static uint Fingerprint(ReadOnlySpan<byte> s)
    {
        var len = s.Length;
        if (len <= 24)
        {
            return len <= 12 ? (len <= 4 ? Len0To4(s) : Len5To12(s)) : Len13To24(s);
        }

        uint h = (uint)len, g = C1 * (uint)len, f = g;
        var a0 = Ror(Fetch(s, len - 4) * C1, 17) * C2;
        var a1 = Ror(Fetch(s, len - 8) * C1, 17) * C2;
        var a2 = Ror(Fetch(s, len - 16) * C1, 17) * C2;
        var a3 = Ror(Fetch(s, len - 12) * C1, 17) * C2;
        var a4 = Ror(Fetch(s, len - 20) * C1, 17) * C2;
        h = Step(h ^ a0);
        h = Step(h ^ a2);
        g = Step(g ^ a1);
        g = Step(g ^ a3);
        f = Ror(f + a4, 19) + 113;
        for (var blocks = (len - 1) / 20; blocks > 0; blocks--, s = s[20..])
        {
            uint a = Fetch(s, 0), b = Fetch(s, 4), c = Fetch(s, 8), d = Fetch(s, 12), e = Fetch(s, 16);
            h += a;
            g += b;
            f += c;
            h = Mur(d, h) + e;
            g = Mur(c, g) + a;
            f = Mur(b + (e * C1), f) + d;
            f += g;
            g += f;
        }

        g = Ror(Ror(g, 11) * C1, 17) * C1;
        f = Ror(Ror(f, 11) * C1, 17) * C1;
        h = Ror(Step(h + g), 17) * C1;
        return Ror(Step(h + f), 17) * C1;
    }

    // h = ror(h, 19) * 5 + 0xe6546b64: the murmur3 mixing step the long path repeats.
    private static uint Step(uint h) => (Ror(h, 19) * 5) + 0xe6546b64;

    private static uint Len0To4(ReadOnlySpan<byte> s)
    {
        uint b = 0, c = 9;
        foreach (var v in s)
        {
            b = (b * C1) + (uint)(sbyte)v; // signed char, as in the reference
            c ^= b;
        }

        return Fmix(Mur(b, Mur((uint)s.Length, c)));
    }

    private static uint Len5To12(ReadOnlySpan<byte> s)
    {
        var len = s.Length;
        uint a = (uint)len, b = (uint)len * 5, c = 9, d = b;
        a += Fetch(s, 0);
        b += Fetch(s, len - 4);
        c += Fetch(s, (len >> 1) & 4);
        return Fmix(Mur(c, Mur(b, Mur(a, d))));
    }

    private static uint Len13To24(ReadOnlySpan<byte> s)
    {
        var len = s.Length;
        uint a = Fetch(s, (len >> 1) - 4), b = Fetch(s, 4), c = Fetch(s, len - 8), d = Fetch(s, len >> 1), e = Fetch(s, 0), f = Fetch(s, len - 4);
        var h = (d * C1) + (uint)len;
        a = Ror(a, 12) + f;
        h = Mur(c, h) + a;
        a = Ror(a, 3) + c;
        h = Mur(e, h) + a;
        a = Ror(a + f, 12) + d;
        h = Mur(b, h) + a;
        return Fmix(h);
    }

    private static uint Mur(uint a, uint h)
    {
        a *= C1;
        a = Ror(a, 17);
        a *= C2;
        h ^= a;
        h = Ror(h, 19);
        return (h * 5) + 0xe6546b64;
    }

    private static uint Fmix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    private static uint Ror(uint v, int n) => BitOperations.RotateRight(v, n);

    private static uint Fetch(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
}
