using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace WarehouseOms.Temporal.Tests;

/// <summary>The one classification: by exception type and status code, whatever the message says.</summary>
public sealed class TemporalErrorsTests
{
    [Theory]
    [InlineData(RpcException.StatusCode.NotFound, TemporalFault.NotFound)]
    [InlineData(RpcException.StatusCode.AlreadyExists, TemporalFault.AlreadyStarted)]
    [InlineData(RpcException.StatusCode.Unavailable, TemporalFault.Unavailable)]
    [InlineData(RpcException.StatusCode.DeadlineExceeded, TemporalFault.Unavailable)]
    [InlineData(RpcException.StatusCode.ResourceExhausted, TemporalFault.Unavailable)]
    [InlineData(RpcException.StatusCode.InvalidArgument, TemporalFault.Other)]
    [InlineData(RpcException.StatusCode.PermissionDenied, TemporalFault.Other)]
    public void Classify_RpcStatus_ByCodeNotMessage(RpcException.StatusCode code, TemporalFault expected)
    {
        // A message that would fool a substring match: "already completed", "connect".
        var error = new RpcException(code, "workflow execution already completed; connect", null);

        Assert.Equal(expected, TemporalErrors.Classify(error));
    }

    [Fact]
    public void Classify_SdkExceptionTypes_ByType()
    {
        Assert.Equal(TemporalFault.AlreadyStarted, TemporalErrors.Classify(new WorkflowAlreadyStartedException("taken", "wf", "type", "run")));
        Assert.Equal(TemporalFault.QueryRejected, TemporalErrors.Classify(new WorkflowQueryRejectedException(WorkflowExecutionStatus.Completed)));
        Assert.Equal(TemporalFault.Unavailable, TemporalErrors.Classify(new TimeoutException()));
        Assert.Equal(TemporalFault.Other, TemporalErrors.Classify(new ArgumentException("connect")));
    }

    [Fact]
    public void Classify_InvalidOperation_UnavailableOnlyWhileTheConnectionIsNotConnected()
    {
        var lazy = TemporalClient.CreateLazy(new TemporalClientConnectOptions("127.0.0.1:1"));

        Assert.Equal(TemporalFault.Unavailable, TemporalErrors.Classify(new InvalidOperationException("anything"), lazy.Connection));
        Assert.Equal(TemporalFault.Other, TemporalErrors.Classify(new InvalidOperationException("Failed client connect")));
    }
}
