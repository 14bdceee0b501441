using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Api.TestService.V1;
using WarehouseOms.TemporalDevServer.Engine;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>temporal.api.testservice.v1.TestService: time-skipping control for the SDK's test environment.</summary>
internal sealed class TestServiceHandlers(WorkflowEngine engine)
{
    public Task<LockTimeSkippingResponse> LockTimeSkipping(LockTimeSkippingRequest request, ServerCallContext context)
    {
        engine.LockTimeSkipping();
        return Task.FromResult(new LockTimeSkippingResponse());
    }

    public Task<UnlockTimeSkippingResponse> UnlockTimeSkipping(UnlockTimeSkippingRequest request, ServerCallContext context)
    {
        engine.UnlockTimeSkipping();
        return Task.FromResult(new UnlockTimeSkippingResponse());
    }

    public async Task<SleepResponse> UnlockTimeSkippingWithSleep(SleepRequest request, ServerCallContext context)
    {
        await engine.UnlockWithSleepAsync(request.Duration?.ToTimeSpan() ?? TimeSpan.Zero).WaitAsync(context.CancellationToken).ConfigureAwait(false);
        return new SleepResponse();
    }

    public async Task<SleepResponse> Sleep(SleepRequest request, ServerCallContext context)
    {
        await engine.SleepAsync(request.Duration?.ToTimeSpan() ?? TimeSpan.Zero).WaitAsync(context.CancellationToken).ConfigureAwait(false);
        return new SleepResponse();
    }

    public async Task<SleepResponse> SleepUntil(SleepUntilRequest request, ServerCallContext context)
    {
        var delay = (request.Timestamp?.ToDateTime() ?? DateTime.UtcNow) - engine.Clock.Now;
        await engine.SleepAsync(delay).WaitAsync(context.CancellationToken).ConfigureAwait(false);
        return new SleepResponse();
    }

    public Task<GetCurrentTimeResponse> GetCurrentTime(Empty request, ServerCallContext context) =>
        Task.FromResult(new GetCurrentTimeResponse { Time = Timestamp.FromDateTime(engine.Clock.Now) });
}

internal sealed class TestServiceMethods : IServiceMethodProvider<TestServiceHandlers>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TestServiceHandlers> context)
    {
        var b = new ServiceBinder<TestServiceHandlers>(context, "temporal.api.testservice.v1.TestService");
        b.Unary<LockTimeSkippingRequest, LockTimeSkippingResponse>(nameof(TestServiceHandlers.LockTimeSkipping), (s, r, c) => s.LockTimeSkipping(r, c));
        b.Unary<UnlockTimeSkippingRequest, UnlockTimeSkippingResponse>(nameof(TestServiceHandlers.UnlockTimeSkipping), (s, r, c) => s.UnlockTimeSkipping(r, c));
        b.Unary<SleepRequest, SleepResponse>(nameof(TestServiceHandlers.UnlockTimeSkippingWithSleep), (s, r, c) => s.UnlockTimeSkippingWithSleep(r, c));
        b.Unary<SleepRequest, SleepResponse>(nameof(TestServiceHandlers.Sleep), (s, r, c) => s.Sleep(r, c));
        b.Unary<SleepUntilRequest, SleepResponse>(nameof(TestServiceHandlers.SleepUntil), (s, r, c) => s.SleepUntil(r, c));
        b.Unary<Empty, GetCurrentTimeResponse>(nameof(TestServiceHandlers.GetCurrentTime), (s, r, c) => s.GetCurrentTime(r, c));
    }
}

/// <summary>Search attribute registration and namespace deletion (the rest of the OperatorService answers UNIMPLEMENTED).</summary>
internal sealed class OperatorServiceHandlers(WorkflowEngine engine)
{
    public async Task<AddSearchAttributesResponse> AddSearchAttributes(AddSearchAttributesRequest request, ServerCallContext context)
    {
        await engine.AddSearchAttributesAsync(request, context.CancellationToken).ConfigureAwait(false);
        return new AddSearchAttributesResponse();
    }

    public async Task<RemoveSearchAttributesResponse> RemoveSearchAttributes(RemoveSearchAttributesRequest request, ServerCallContext context)
    {
        await engine.RemoveSearchAttributesAsync(request, context.CancellationToken).ConfigureAwait(false);
        return new RemoveSearchAttributesResponse();
    }

    public Task<ListSearchAttributesResponse> ListSearchAttributes(ListSearchAttributesRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListSearchAttributes(request));

    /// <summary>The one cluster, at the address this call came in on; no paging is needed for one.</summary>
    public Task<ListClustersResponse> ListClusters(ListClustersRequest request, ServerCallContext context) =>
        Task.FromResult(new ListClustersResponse { Clusters = { engine.Cluster.Metadata(context.LocalAddress()) } });

    public async Task<DeleteNamespaceResponse> DeleteNamespace(DeleteNamespaceRequest request, ServerCallContext context) =>
        new() { DeletedNamespace = await engine.DeleteNamespaceAsync(request).ConfigureAwait(false) };

    public Task<CreateNexusEndpointResponse> CreateNexusEndpoint(CreateNexusEndpointRequest request, ServerCallContext context) =>
        Task.FromResult(new CreateNexusEndpointResponse { Endpoint = engine.CreateNexusEndpoint(request) });

    public Task<UpdateNexusEndpointResponse> UpdateNexusEndpoint(UpdateNexusEndpointRequest request, ServerCallContext context) =>
        Task.FromResult(new UpdateNexusEndpointResponse { Endpoint = engine.UpdateNexusEndpoint(request) });

    public Task<DeleteNexusEndpointResponse> DeleteNexusEndpoint(DeleteNexusEndpointRequest request, ServerCallContext context)
    {
        engine.DeleteNexusEndpoint(request);
        return Task.FromResult(new DeleteNexusEndpointResponse());
    }

    public Task<GetNexusEndpointResponse> GetNexusEndpoint(GetNexusEndpointRequest request, ServerCallContext context) =>
        Task.FromResult(new GetNexusEndpointResponse { Endpoint = engine.GetNexusEndpoint(request.Id) });

    public Task<ListNexusEndpointsResponse> ListNexusEndpoints(ListNexusEndpointsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListNexusEndpoints(request));
}

internal sealed class OperatorServiceMethods(WorkflowEngine engine) : IServiceMethodProvider<OperatorServiceHandlers>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OperatorServiceHandlers> context)
    {
        // Durable: an endpoint is written before the call answers, as the other registries' changes are.
        var b = new ServiceBinder<OperatorServiceHandlers>(context, ServiceNames.OperatorService, engine.DurableAsync, engine.PrepareAsync);
        b.Unary<AddSearchAttributesRequest, AddSearchAttributesResponse>(nameof(OperatorServiceHandlers.AddSearchAttributes), (s, r, c) => s.AddSearchAttributes(r, c));
        b.Unary<RemoveSearchAttributesRequest, RemoveSearchAttributesResponse>(nameof(OperatorServiceHandlers.RemoveSearchAttributes), (s, r, c) => s.RemoveSearchAttributes(r, c));
        b.Unary<ListSearchAttributesRequest, ListSearchAttributesResponse>(nameof(OperatorServiceHandlers.ListSearchAttributes), (s, r, c) => s.ListSearchAttributes(r, c));
        b.Unary<DeleteNamespaceRequest, DeleteNamespaceResponse>(nameof(OperatorServiceHandlers.DeleteNamespace), (s, r, c) => s.DeleteNamespace(r, c));
        b.Unary<ListClustersRequest, ListClustersResponse>(nameof(OperatorServiceHandlers.ListClusters), (s, r, c) => s.ListClusters(r, c));
        b.Unary<CreateNexusEndpointRequest, CreateNexusEndpointResponse>(nameof(OperatorServiceHandlers.CreateNexusEndpoint), (s, r, c) => s.CreateNexusEndpoint(r, c));
        b.Unary<UpdateNexusEndpointRequest, UpdateNexusEndpointResponse>(nameof(OperatorServiceHandlers.UpdateNexusEndpoint), (s, r, c) => s.UpdateNexusEndpoint(r, c));
        b.Unary<DeleteNexusEndpointRequest, DeleteNexusEndpointResponse>(nameof(OperatorServiceHandlers.DeleteNexusEndpoint), (s, r, c) => s.DeleteNexusEndpoint(r, c));
        b.Unary<GetNexusEndpointRequest, GetNexusEndpointResponse>(nameof(OperatorServiceHandlers.GetNexusEndpoint), (s, r, c) => s.GetNexusEndpoint(r, c));
        b.Unary<ListNexusEndpointsRequest, ListNexusEndpointsResponse>(nameof(OperatorServiceHandlers.ListNexusEndpoints), (s, r, c) => s.ListNexusEndpoints(r, c));
    }
}
