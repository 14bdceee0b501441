using System.Reflection;
using Temporalio.Activities;
using WarehouseOms.Workflows.Activities;
using WarehouseOms.Workflows.Tests.Infrastructure;

namespace WarehouseOms.Workflows.Tests;

/// <summary>Server-free checks of the workflow / activity contract.</summary>
public sealed class ActivityContractTests
{
    private static readonly Type[] Interfaces = [
        typeof(IOmsActivities), typeof(IImsActivities), typeof(IWmsActivities), typeof(ISmsActivities),
        typeof(ICustomerActivities), typeof(IPaymentActivities), typeof(INotificationActivities),
    ];

    private static IEnumerable<string> AllActivityNames() =>
        typeof(ActivityNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!);

    [Fact]
    public void Create_InterfaceMethod_TakesTheActivityAttributeName()
    {
        // The SDK names a call through an interface method by the same attribute lookup; the dev-server
        // tests prove the whole path (their stubs do not implement the interfaces).
        foreach (var method in Interfaces.SelectMany(i => i.GetMethods()))
        {
            var declared = method.GetCustomAttribute<ActivityAttribute>()!.Name;
            Assert.Equal(declared, ActivityDefinition.Create(method, _ => null).Name);
        }
    }

    [Fact]
    public void Interfaces_CoverEveryActivityNameOnce()
    {
        var declared = Interfaces.SelectMany(i => i.GetMethods()).Select(m => m.GetCustomAttribute<ActivityAttribute>()!.Name).ToList();

        Assert.Equal(AllActivityNames().Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void StubActivities_ImplementEveryActivityName()
    {
        var stubbed = ActivityDefinition.CreateAll(new StubActivities()).Select(d => d.Name);

        Assert.Equal(AllActivityNames().Order(StringComparer.Ordinal), stubbed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ActivityPolicies_BusinessErrorsAreNotRetried_AndTimeoutsAreSet()
    {
        foreach (var options in new[] { ActivityPolicies.Standard(), ActivityPolicies.CreateOrder(), ActivityPolicies.Compensation() })
        {
            Assert.NotNull(options.StartToCloseTimeout);
            Assert.Equal(0, options.RetryPolicy!.MaximumAttempts);
            Assert.True(options.RetryPolicy.BackoffCoefficient > 1);
            Assert.Contains(ActivityErrors.InvalidOrder, options.RetryPolicy.NonRetryableErrorTypes!);
            Assert.Contains(ActivityErrors.IllegalTransition, options.RetryPolicy.NonRetryableErrorTypes!);
            Assert.Contains(ActivityErrors.InsufficientStock, options.RetryPolicy.NonRetryableErrorTypes!);
        }

        Assert.Equal(ActivityPolicies.CreateOrderScheduleToClose, ActivityPolicies.CreateOrder().ScheduleToCloseTimeout);
    }
}
