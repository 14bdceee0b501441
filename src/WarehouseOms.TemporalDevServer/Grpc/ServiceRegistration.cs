using Grpc.AspNetCore.Server.Model;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WarehouseOms.TemporalDevServer.Grpc;

internal static class ServiceRegistration
{
    public static IServiceCollection AddTemporalServiceBindings(this IServiceCollection services)
    {
        services.AddSingleton<WorkflowServiceHandlers>();
        services.AddSingleton<TestServiceHandlers>();
        services.AddSingleton<OperatorServiceHandlers>();
        services.AddSingleton<ServingHealth>();
        services.AddSingleton(provider => provider.GetRequiredService<ServingHealth>().Service);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<WorkflowServiceHandlers>, WorkflowServiceMethods>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<TestServiceHandlers>, TestServiceMethods>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<OperatorServiceHandlers>, OperatorServiceMethods>());
        return services;
    }

    public static void MapTemporalServices(this WebApplication app, bool testService)
    {
        app.MapGrpcService<WorkflowServiceHandlers>();
        app.MapGrpcService<OperatorServiceHandlers>();
        app.MapGrpcService<HealthServiceImpl>();
        if (testService)
        {
            app.MapGrpcService<TestServiceHandlers>();
        }
    }
}
