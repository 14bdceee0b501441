using WarehouseOms.Domain.Cart;

namespace WarehouseOms.Domain.Tests.Cart;

public sealed class ShoppingCartTests
{
    private static ShoppingCart NewCart() => new("cust-1");

    [Fact]
    public void Add_SameSkuTwice_MergesQuantities()
    {
        var cart = NewCart();

        cart.Add("m1", [new CartLine("SKU-A", 2), new CartLine("SKU-B", 1)]);
        var outcome = cart.Add("m2", [new CartLine("SKU-A", 3)]);

        Assert.Equal(CartChangeDisposition.Applied, outcome.Disposition);
        Assert.Equal([new CartLine("SKU-A", 5), new CartLine("SKU-B", 1)], cart.Items);
        Assert.Equal(2, cart.Version);
    }

    [Fact]
    public void Add_DuplicateMessageId_AppliedOnce()
    {
        var cart = NewCart();

        cart.Add("m1", [new CartLine("SKU-A", 2)]);
        var again = cart.Add("m1", [new CartLine("SKU-A", 2)]);

        Assert.Equal(CartChangeDisposition.Duplicate, again.Disposition);
        Assert.Equal(2, cart.QuantityOf("SKU-A"));
        Assert.Equal(1, cart.Version);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Add_NonPositiveQuantity_RejectedAndCartUnchanged(int quantity)
    {
        var cart = NewCart();
        cart.Add("m1", [new CartLine("SKU-A", 1)]);

        var outcome = cart.Add("m2", [new CartLine("SKU-B", 4), new CartLine("SKU-A", quantity)]);

        Assert.Equal(CartChangeDisposition.Rejected, outcome.Disposition);
        Assert.Contains(outcome.Reasons, r => r.Contains("quantity", StringComparison.Ordinal));
        Assert.Equal([new CartLine("SKU-A", 1)], cart.Items);
        Assert.Equal(1, cart.Version);
        Assert.True(cart.HasProcessed("m2"));
    }

    [Fact]
    public void Add_NoItems_Rejected()
    {
        var outcome = NewCart().Add("m1", []);

        Assert.Equal(CartChangeDisposition.Rejected, outcome.Disposition);
    }

    [Fact]
    public void Remove_LessThanHeld_Subtracts()
    {
        var cart = NewCart();
        cart.Add("m1", [new CartLine("SKU-A", 5)]);

        cart.Remove("m2", [new CartLine("SKU-A", 2)]);

        Assert.Equal(3, cart.QuantityOf("SKU-A"));
    }

    [Fact]
    public void Remove_AllOrMoreThanHeld_DeletesLineAndIgnoresUnknownSku()
    {
        var cart = NewCart();
        cart.Add("m1", [new CartLine("SKU-A", 2), new CartLine("SKU-B", 1)]);

        var outcome = cart.Remove("m2", [new CartLine("SKU-A", 7), new CartLine("SKU-Z", 1)]);

        Assert.Equal(CartChangeDisposition.Applied, outcome.Disposition);
        Assert.Equal([new CartLine("SKU-B", 1)], cart.Items);
    }

    [Fact]
    public void Reset_WithItems_EmptiesCartAndBumpsVersion()
    {
        var cart = NewCart();
        cart.Add("m1", [new CartLine("SKU-A", 2)]);

        cart.Reset("m2");

        Assert.True(cart.IsEmpty);
        Assert.Equal(2, cart.Version);
    }

    [Fact]
    public void CheckOut_WithItems_ReturnsLinesAndEmptiesCart()
    {
        var cart = NewCart();
        cart.Add("m1", [new CartLine("SKU-B", 1), new CartLine("SKU-A", 2)]);

        var (outcome, lines) = cart.CheckOut("m2", "req-1");

        Assert.Equal(CartChangeDisposition.Applied, outcome.Disposition);
        Assert.Equal([new CartLine("SKU-A", 2), new CartLine("SKU-B", 1)], lines);
        Assert.True(cart.IsEmpty);
    }

    [Fact]
    public void CheckOut_EmptyCart_RejectedWithoutLines()
    {
        var (outcome, lines) = NewCart().CheckOut("m1", "req-1");

        Assert.Equal(CartChangeDisposition.Rejected, outcome.Disposition);
        Assert.Empty(lines);
    }

    [Fact]
    public void CheckOut_Redelivered_SecondIsDuplicateWithoutLines()
    {
        var cart = NewCart();
        cart.Add("m1", [new CartLine("SKU-A", 2)]);
        cart.CheckOut("m2", "req-1");
        cart.Add("m3", [new CartLine("SKU-C", 1)]);

        var (outcome, lines) = cart.CheckOut("m2", "req-1");

        Assert.Equal(CartChangeDisposition.Duplicate, outcome.Disposition);
        Assert.Empty(lines);
        Assert.Equal([new CartLine("SKU-C", 1)], cart.Items);
    }

    [Fact]
    public void CheckOut_SameRequestUnderNewMessageId_DuplicateAndCartKept()
    {
        var cart = NewCart();
        cart.Add("m1", [new CartLine("SKU-A", 2)]);
        cart.CheckOut("m2", "req-1");
        cart.Add("m3", [new CartLine("SKU-C", 1)]);

        var (outcome, lines) = cart.CheckOut("m4", "req-1");

        Assert.Equal(CartChangeDisposition.Duplicate, outcome.Disposition);
        Assert.Empty(lines);
        Assert.Equal([new CartLine("SKU-C", 1)], cart.Items);
    }

    [Fact]
    public void CheckOut_EmptyCartThenItems_SameRequestCanStillCheckOut()
    {
        var cart = NewCart();
        cart.CheckOut("m1", "req-1");
        cart.Add("m2", [new CartLine("SKU-A", 1)]);

        var (outcome, lines) = cart.CheckOut("m3", "req-1");

        Assert.Equal(CartChangeDisposition.Applied, outcome.Disposition);
        Assert.Equal([new CartLine("SKU-A", 1)], lines);
    }

    [Fact]
    public void Constructor_FromCarriedOverState_KeepsItemsVersionAndDedupe()
    {
        var original = NewCart();
        original.Add("m1", [new CartLine("SKU-A", 2)]);
        original.Add("m2", [new CartLine("SKU-B", 1)]);

        var continued = new ShoppingCart(original.CustomerId, original.Items, original.ProcessedMessageIds, original.Version);
        var replay = continued.Add("m1", [new CartLine("SKU-A", 2)]);

        Assert.Equal(CartChangeDisposition.Duplicate, replay.Disposition);
        Assert.Equal(original.Items, continued.Items);
        Assert.Equal(2, continued.Version);
    }
}

public sealed class ProcessedMessagesTests
{
    [Fact]
    public void TryAdd_BeyondCapacity_ForgetsOldestFirst()
    {
        var processed = new ProcessedMessages(capacity: 3);

        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            Assert.True(processed.TryAdd(id));
        }

        Assert.False(processed.Contains("a"));
        Assert.True(processed.Contains("b"));
        Assert.Equal(["b", "c", "d"], processed.ToList());
    }

    [Fact]
    public void TryAdd_Known_ReturnsFalseAndKeepsOrder()
    {
        var processed = new ProcessedMessages(capacity: 3, remembered: ["a", "b"]);

        Assert.False(processed.TryAdd("a"));
        Assert.Equal(["a", "b"], processed.ToList());
    }

    [Fact]
    public void Constructor_RememberedLongerThanCapacity_KeepsNewest()
    {
        var processed = new ProcessedMessages(capacity: 2, remembered: ["a", "b", "c"]);

        Assert.Equal(["b", "c"], processed.ToList());
    }
}

public sealed class CartLineRulesTests
{
    [Fact]
    public void Normalise_RepeatedAndPaddedSkus_MergesTrimmed()
    {
        var lines = CartLineRules.Normalise([(" SKU-A ", 1), ("SKU-A", 2), ("SKU-B", 1)]);

        Assert.Equal([new CartLine("SKU-A", 3), new CartLine("SKU-B", 1)], lines);
    }

    [Fact]
    public void Check_MissingSkuAndQuantity_NamesEachField()
    {
        var reasons = CartLineRules.Check([(null, 1), ("SKU-A", null), ("SKU-B", 0)]);

        Assert.Equal(
            ["items[0].sku: is required.", "items[1].quantity: is required.", "items[2].quantity: must be positive, was 0."],
            reasons);
    }

    [Fact]
    public void Check_Null_RequiresItems() => Assert.Single(CartLineRules.Check(null));
}

public sealed class CartCheckoutTests
{
    [Fact]
    public void OrderIdFor_ShortRequestId_PrefixesIt() => Assert.Equal("ord-req-42", CartCheckout.OrderIdFor("req-42"));

    [Fact]
    public void OrderIdFor_LongRequestId_IsStableAndWithinLimit()
    {
        var requestId = new string('r', 80);

        var first = CartCheckout.OrderIdFor(requestId);

        Assert.Equal(first, CartCheckout.OrderIdFor(requestId));
        Assert.True(first.Length <= 64);
        Assert.StartsWith("ord-", first, StringComparison.Ordinal);
        Assert.NotEqual(first, CartCheckout.OrderIdFor(new string('s', 80)));
    }
}
