using System.Linq.Expressions;
using System.Reflection;
using Temporalio.Workflows;

namespace WarehouseOms.Temporal;

/// <summary>
/// Reads a typed workflow call (<c>wf =&gt; wf.PickCompletedAsync(signal)</c>) the way the SDK does: the
/// method names the signal through its attribute, the argument is the payload. For logs and test fakes;
/// the SDK itself takes the expression.
/// </summary>
public static class WorkflowCalls
{
    /// <summary>The signal's name as recorded in history (the <see cref="WorkflowSignalAttribute"/>'s, else the method's).</summary>
    public static string SignalName<TWorkflow>(Expression<Func<TWorkflow, Task>> signal)
    {
        var method = Method(signal);
        return method.GetCustomAttribute<WorkflowSignalAttribute>()?.Name ?? method.Name;
    }

    /// <summary>The one argument of the call, evaluated (null for a signal without one).</summary>
    public static object? Argument<TWorkflow>(Expression<Func<TWorkflow, Task>> signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var call = (MethodCallExpression)signal.Body;
        return call.Arguments.Count == 0
            ? null
            : Expression.Lambda<Func<object?>>(Expression.Convert(call.Arguments[0], typeof(object))).Compile()();
    }

    private static MethodInfo Method<TWorkflow>(Expression<Func<TWorkflow, Task>> signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return signal.Body is MethodCallExpression { Object: ParameterExpression } call
            ? call.Method
            : throw new ArgumentException($"Expected a call of a signal method of {typeof(TWorkflow).Name}, such as wf => wf.SomeSignalAsync(payload); got {signal}.", nameof(signal));
    }
}
