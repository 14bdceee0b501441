using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using WarehouseOms.Messaging.Outbox;
using WarehouseOms.Operations;
using WarehouseOms.Temporal.Inspection;

namespace WarehouseOms.Host.Console;

/// <summary>Wiring of the operator console, the API's OpenAPI document and its one error shape (ProblemDetails).</summary>
public static class ConsoleRegistration
{
    /// <summary>Section <c>Console</c> (<see cref="ConsoleOptions"/>); needs the persistence, Temporal client and messaging modules.</summary>
    public static IServiceCollection AddOperatorConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>()
            .Bind(configuration.GetSection(ConsoleOptions.SectionName))
            .Validate(o => o.ReadKey.Length is 0 or >= 16 && o.OperatorKey.Length is 0 or >= 16, "Console:ReadKey and Console:OperatorKey must be empty or at least 16 characters")
            .ValidateOnStart();
        services.AddAntiforgery(o => o.Cookie.SameSite = SameSiteMode.Strict);
        services.AddSingleton<ConsoleAccess>();
        services.AddSingleton<OperatorAudit>();
        services.AddSingleton(sp => new ErrorQueues(sp.GetRequiredService<IOptions<RabbitMqConnectionOptions>>().Value.CreateFactory("warehouse-oms-console")));
        services.AddSingleton<WorkflowBrowser>();
        services.AddScoped<OrderLineage>();
        services.AddProblemDetails();
        services.AddOpenApi();
        return services;
    }

    /// <summary>The console pages, <c>/openapi/v1.json</c> and its reference page <c>/scalar</c> (assets served from the package, no CDN).</summary>
    public static WebApplication MapOperatorConsoleAndApiDocs(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapScalarApiReference(o => o.WithTitle("WarehouseOms API"));
        app.MapOperatorConsole();
        app.MapOperationsApi();
        var options = app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value;
        if (options.ReadsAreOpen && !app.Environment.IsDevelopment())
        {
            app.Logger.LogWarning("No Console:ReadKey or Console:OperatorKey is configured: the console and the order reads (customer data) are open to anyone who can reach the port");
        }

        return app;
    }
}
