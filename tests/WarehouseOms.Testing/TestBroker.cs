namespace WarehouseOms.Testing;

/// <summary>
/// The RabbitMQ the tests talk to: the service's own user and vhost from rabbitmq/definitions.json
/// (scripts/deps.sh imports them), so a right the service lacks fails the tests as it would fail the
/// service. <c>RabbitMq__Uri</c> overrides it.
/// </summary>
public static class TestBroker
{
    public const string DefaultUri = "amqp://warehouse-oms:warehouse-oms@localhost:5672/warehouse-oms";

    public static Uri Uri => new(Environment.GetEnvironmentVariable("RabbitMq__Uri") ?? DefaultUri);

    /// <summary>An operator on the same vhost (the administrator of rabbitmq/definitions.json), for what only operators do: <c>RabbitMq__OperatorUri</c> overrides it.</summary>
    public static Uri OperatorUri => new(Environment.GetEnvironmentVariable("RabbitMq__OperatorUri") ?? "amqp://admin:admin@localhost:5672/warehouse-oms");

    public static string Host => Uri.Host;

    public static int Port => Uri.IsDefaultPort ? 5672 : Uri.Port;

    public static string Username => System.Uri.UnescapeDataString(Uri.UserInfo.Split(':')[0]);

    public static string Password => System.Uri.UnescapeDataString(Uri.UserInfo.Split(':', 2) is [_, var password] ? password : "guest");

    /// <summary>The vhost: the URI's path without its slash ("/" when empty).</summary>
    public static string VirtualHost => Uri.AbsolutePath.Length > 1 ? System.Uri.UnescapeDataString(Uri.AbsolutePath[1..]) : "/";
}
