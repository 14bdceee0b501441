using Temporalio.Exceptions;
using WarehouseOms.Workflows.Activities;

namespace WarehouseOms.Activities;

/// <summary>
/// Business failures that no retry can fix: raised non-retryable with a stable error type the
/// workflow branches on, and the reasons as details.
/// </summary>
internal static class ActivityFailures
{
    public static ApplicationFailureException InvalidOrder(IReadOnlyList<string> reasons) =>
        new($"Order is invalid: {string.Join("; ", reasons)}", ActivityErrors.InvalidOrder, nonRetryable: true, details: [reasons]);

    public static ApplicationFailureException InsufficientStock(string orderId, IReadOnlyList<string> reasons) =>
        new($"Cannot allocate stock for order {orderId}: {string.Join("; ", reasons)}", ActivityErrors.InsufficientStock, nonRetryable: true, details: [reasons]);

    public static ApplicationFailureException IllegalTransition(string message) =>
        new(message, ActivityErrors.IllegalTransition, nonRetryable: true, details: [new[] { message }]);

    public static ApplicationFailureException UnknownOrder(string orderId, string what = "order") =>
        new($"Unknown {what} for order {orderId}", ActivityErrors.UnknownOrder, nonRetryable: true, details: [new[] { $"Unknown {what} for order {orderId}" }]);
}
