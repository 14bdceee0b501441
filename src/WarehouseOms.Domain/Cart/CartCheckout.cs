using System.Security.Cryptography;
using System.Text;

namespace WarehouseOms.Domain.Cart;

/// <summary>How a checkout becomes an order.</summary>
public static class CartCheckout
{
    private const string Prefix = "ord-";
    private const int MaxOrderIdLength = 64;

    /// <summary>
    /// The order ID of the checkout with <paramref name="requestId"/>: <c>ord-{requestId}</c>, so that
    /// a redelivered checkout always names the same order and an operator can see where it came from.
    /// A request ID too long for that becomes <c>ord-</c> plus a SHA-256 prefix: still deterministic.
    /// </summary>
    public static string OrderIdFor(string requestId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestId);
        var plain = Prefix + requestId;
        if (plain.Length <= MaxOrderIdLength)
        {
            return plain;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requestId)));
        return Prefix + hash[..40];
    }
}
