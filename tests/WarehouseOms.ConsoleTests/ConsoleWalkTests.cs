using OpenQA.Selenium;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Contracts;
using WarehouseOms.Operations;

namespace WarehouseOms.ConsoleTests;

/// <summary>
/// An operator walks the console in a real browser: the orders list, a shipped order's whole lineage, its
/// workflow, a poisoned message in an error queue, its replay once the cause is fixed, and the order moving
/// on. Every page is saved as a screenshot under the test output's screenshots/ directory for review.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleWalkTests(ConsoleFixture console)
{
    private IWebDriver Browser => console.Browser;

    [Fact]
    public async Task ShippedOrder_ListAndOrderPage_ShowItsLineage_AndUntrustedTextStaysText()
    {
        var orderId = TestIds.Unique("ord-con");
        const string hostileName = "Ada <script>window.pwned=1</script> & \"Co\"";
        await console.SubmitAsync(orderId, "cust-walk", hostileName);
        await Eventually.UntilAsync(() => console.OrderAsync(orderId), o => ConsoleFixture.LiveStepOf(o) == "AwaitPick", $"{orderId} awaiting its pick");
        await console.PickAsync(orderId, orderId + "-pick");
        await Eventually.UntilAsync(() => console.OrderAsync(orderId), o => ConsoleFixture.LiveStepOf(o) != "AwaitPick", $"{orderId} picked");
        await console.PackAsync(orderId);
        await Eventually.UntilAsync(() => console.OrderAsync(orderId), o => ConsoleFixture.StatusOf(o) == "SHIPPED", $"{orderId} shipped");

        SignIn();
        console.Open("/?status=SHIPPED&q=" + Uri.EscapeDataString(orderId));
        Assert.Contains(orderId, Browser.FindElement(By.Id("orders")).Text, StringComparison.Ordinal);
        console.Screenshot("01-orders");

        Browser.FindElement(By.LinkText(orderId)).Click();
        Assert.Equal("SHIPPED", TextOnceLoaded(By.Id("status"), "SHIPPED"));
        // The outbox relay publishes the last events a moment after the order's state changed.
        var outbound = ReloadUntil("outbound", text => text.Contains("oms.order-shipped sent", StringComparison.Ordinal) || Row("outbound", Exchanges.OrderShipped).Contains(" sent", StringComparison.Ordinal));
        Assert.Contains(Exchanges.InventoryAllocated, outbound, StringComparison.Ordinal);
        var timeline = Rows("timeline");
        Assert.Contains(timeline, r => r.Contains("Inbound", StringComparison.Ordinal) && r.Contains("signal PickCompleted", StringComparison.Ordinal) && r.Contains(orderId + "-pick", StringComparison.Ordinal));
        Assert.Contains(timeline, r => r.Contains("Inbound", StringComparison.Ordinal) && r.Contains("started OrderIntakeWorkflow", StringComparison.Ordinal) && r.Contains(orderId + "-submit", StringComparison.Ordinal));
        Assert.Contains(timeline, r => r.Contains("State", StringComparison.Ordinal) && r.Contains("OrderShipped", StringComparison.Ordinal));
        Assert.Contains(timeline, r => r.Contains("Workflow", StringComparison.Ordinal) && r.Contains("activity AllocateInventory completed", StringComparison.Ordinal));
        Assert.Contains(timeline, r => r.Contains("Outbound", StringComparison.Ordinal) && r.Contains(Exchanges.OrderShipped, StringComparison.Ordinal));
        // The ship-to name is shown as text, never run as markup.
        Assert.Contains(timeline, r => r.Contains("<script>window.pwned=1</script>", StringComparison.Ordinal));
        Assert.Null(((IJavaScriptExecutor)Browser).ExecuteScript("return window.pwned;"));
        console.Screenshot("02-order-shipped");

        Browser.FindElement(By.LinkText("order-fulfillment-" + orderId)).Click();
        Assert.Equal("Running", TextOnceLoaded(By.Id("status"), "Running"));
        Assert.Contains("AwaitDelivery", Browser.FindElement(By.Id("query")).Text, StringComparison.Ordinal);
        Assert.Contains(Rows("timeline"), r => r.Contains("signal PackCompleted", StringComparison.Ordinal) && r.Contains(orderId + "-pack", StringComparison.Ordinal));
        console.Screenshot("03-workflow");

        console.Open("/console/workflows?type=OrderFulfillmentWorkflow&status=Running");
        Assert.Contains("order-fulfillment-" + orderId, Browser.FindElement(By.Id("workflows")).Text, StringComparison.Ordinal);
        console.Screenshot("04-workflows");
    }

    [Fact]
    public async Task PoisonedPick_ShownInItsErrorQueue_ReplayedAfterTheCauseIsFixed_MovesTheOrderOn()
    {
        var orderId = TestIds.Unique("ord-poison");
        var pickId = orderId + "-early-pick";
        var queue = Queues.ErrorQueueFor(Exchanges.PickCompleted);
        var errors = console.Services.GetRequiredService<ErrorQueues>();

        // The pick arrives before the order exists: after its retries it is parked as "workflow not found".
        await console.PickAsync(orderId, pickId);
        await Eventually.UntilAsync(() => errors.PeekAsync(queue, 10_000), m => m.Any(x => x.Key == pickId), $"{pickId} in {queue}");

        SignIn();
        console.Open("/console/errors");
        Assert.Contains(Rows("queues"), r => r.StartsWith(queue, StringComparison.Ordinal) && !r.Contains("not declared", StringComparison.Ordinal));
        console.Screenshot("05-error-queues");

        // Browse by the replay link of this message (the queue may hold other tests' messages ahead of it).
        console.Open("/console/errors/" + Uri.EscapeDataString(queue));
        var row = Browser.FindElements(By.CssSelector("#messages tr.message")).FirstOrDefault(r => r.Text.Contains(pickId, StringComparison.Ordinal));
        if (row is not null)
        {
            Assert.Contains("not found", row.FindElement(By.CssSelector(".reason")).Text, StringComparison.OrdinalIgnoreCase);
            console.Screenshot("06-error-queue-messages");
        }

        // The fix: the order now exists and waits for its pick.
        await console.SubmitAsync(orderId, "cust-poison", "Grace");
        await Eventually.UntilAsync(() => console.OrderAsync(orderId), o => ConsoleFixture.LiveStepOf(o) == "AwaitPick", $"{orderId} awaiting its pick");

        console.Open($"/console/errors/{Uri.EscapeDataString(queue)}/replay?key={Uri.EscapeDataString(pickId)}");
        Assert.Contains(pickId, Browser.FindElement(By.TagName("main")).Text, StringComparison.Ordinal);
        console.Screenshot("07-confirm-replay");
        Browser.FindElement(By.Id("confirm")).Click();
        Assert.Contains("Replayed 1 message(s) into " + Queues.For(Exchanges.PickCompleted), TextOnceLoaded(By.Id("notice"), "Replayed"), StringComparison.Ordinal);
        console.Screenshot("08-replayed");
        Assert.DoesNotContain(await errors.PeekAsync(queue, 10_000), m => m.Key == pickId);

        await Eventually.UntilAsync(() => console.OrderAsync(orderId), o => ConsoleFixture.LiveStepOf(o) is not (null or "AwaitPick"), $"{orderId} moved past its pick");
        await console.PackAsync(orderId);
        await Eventually.UntilAsync(() => console.OrderAsync(orderId), o => ConsoleFixture.StatusOf(o) == "SHIPPED", $"{orderId} shipped");

        console.Open("/console/orders/" + Uri.EscapeDataString(orderId));
        Assert.Equal("SHIPPED", Browser.FindElement(By.Id("status")).Text);
        Assert.Contains(Rows("timeline"), r => r.Contains("signal PickCompleted", StringComparison.Ordinal) && r.Contains(pickId, StringComparison.Ordinal));
        console.Screenshot("09-order-moved-on");
    }

    [Fact]
    public void OutboxPage_ListsPendingRows_AndRefusesRetryWithoutTheOperatorKey()
    {
        SignOut();
        console.Open("/console/outbox");
        // Not signed in while a key is configured: the console asks for it.
        Assert.EndsWith("/console/login", new Uri(Browser.Url).AbsolutePath, StringComparison.Ordinal);
        console.Screenshot("10-sign-in");

        SignIn();
        console.Open("/console/outbox");
        Assert.NotNull(Browser.FindElement(By.Id("outbox")));
        console.Screenshot("11-outbox");
    }

    private void SignIn()
    {
        console.Open("/console/login");
        Browser.FindElement(By.Id("key")).SendKeys(ConsoleFixture.OperatorKey);
        Browser.FindElement(By.Id("sign-in")).Click();

        Assert.Contains("operator", TextOnceLoaded(By.CssSelector("nav .who"), "operator"), StringComparison.Ordinal);
    }

    /// <summary>
    /// An element's text after a click that navigates: the element found first may belong to the page being
    /// left (stale, or without the new text), so it is looked up again until it shows <paramref name="containing"/>.
    /// </summary>
    private string TextOnceLoaded(By by, string containing = "")
    {
        var wait = new OpenQA.Selenium.Support.UI.WebDriverWait(Browser, Eventually.DefaultTimeout);
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait.Until(driver => driver.FindElement(by).Text is var text && text.Contains(containing, StringComparison.Ordinal) ? text : null)!;
    }

    private void SignOut() => Browser.Manage().Cookies.DeleteCookieNamed("oms-console");

    private List<string> Rows(string tableId) =>
        Browser.FindElements(By.CssSelector($"#{tableId} tr")).Select(r => r.Text).ToList();

    private string Row(string tableId, string containing) =>
        Rows(tableId).FirstOrDefault(r => r.Contains(containing, StringComparison.Ordinal)) ?? string.Empty;

    /// <summary>Reloads the page until the table's text satisfies <paramref name="done"/> (state that settles a moment later).</summary>
    private string ReloadUntil(string tableId, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout;
        while (true)
        {
            var text = Browser.FindElement(By.Id(tableId)).Text;
            if (done(text))
            {
                return text;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for table {tableId}; last text: {text}");
            }

            Browser.Navigate().Refresh();
        }
    }
}
