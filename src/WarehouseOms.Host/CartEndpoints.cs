using WarehouseOms.Temporal;

namespace WarehouseOms.Host;

/// <summary>HTTP reads answered from the cart workflow's query (the cart's state lives in Temporal).</summary>
public static class CartEndpoints
{
    public static WebApplication MapCartEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/carts/{customerId}", async (string customerId, ICartWorkflows carts, CancellationToken ct) =>
        {
            if (RouteIds.Problem(customerId, "customerId") is { } invalid)
            {
                return invalid;
            }

            try
            {
                return await carts.GetAsync(customerId, ct).ConfigureAwait(false) is { } cart
                    ? Results.Ok(cart)
                    : Results.Problem(detail: $"no cart for customer {customerId}", statusCode: StatusCodes.Status404NotFound, title: "not found");
            }
            catch (TemporalUnavailableException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).WithTags("Carts").AddEndpointFilter<Console.RequireReadAccess>();
        return app;
    }
}
