using Temporalio.Client;
using Temporalio.Common.EnvConfig;

namespace WarehouseOms.Temporal;

/// <summary>
/// How the service and the CLI connect to a real Temporal (a self-hosted cluster or Temporal Cloud): Temporal's
/// own environment configuration, loaded by the SDK's loader (<see cref="ClientEnvConfig"/>): the variables
/// <c>TEMPORAL_ADDRESS</c>, <c>TEMPORAL_NAMESPACE</c>, <c>TEMPORAL_API_KEY</c>, <c>TEMPORAL_TLS</c>,
/// <c>TEMPORAL_TLS_CLIENT_CERT_PATH</c>/<c>…_DATA</c>, <c>TEMPORAL_TLS_CLIENT_KEY_PATH</c>/<c>…_DATA</c>,
/// <c>TEMPORAL_TLS_SERVER_CA_CERT_PATH</c>/<c>…_DATA</c>, <c>TEMPORAL_TLS_SERVER_NAME</c>,
/// <c>TEMPORAL_GRPC_META_*</c>, and the profiles of the TOML file (<c>TEMPORAL_CONFIG_FILE</c>,
/// <c>TEMPORAL_PROFILE</c>), exactly as the <c>temporal</c> CLI reads them (ADR 0020).
/// </summary>
/// <remarks>
/// Precedence: the service's <c>Temporal:Address</c> and a <c>Temporal:Namespace</c> other than <c>default</c> win
/// over the environment's address and namespace; TLS, mTLS and the API key come only from Temporal's
/// configuration. An API key turns TLS on unless TLS is disabled explicitly (the SDK's rule). No address in
/// either place means the embedded engine, which is always reached without TLS.
/// </remarks>
public static class TemporalConnection
{
    /// <summary>
    /// The connect options for <paramref name="options"/> over Temporal's environment configuration.
    /// <see cref="TemporalClientConnectOptions.TargetHost"/> is null when no address is configured anywhere.
    /// </summary>
    /// <param name="options">The service's section <c>Temporal</c>.</param>
    /// <param name="environment">The environment variables to read instead of the process's (tests).</param>
    public static TemporalClientConnectOptions Load(TemporalOptions options, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loaded = ClientEnvConfig.LoadClientConnectOptions(new ClientEnvConfig.ProfileLoadOptions { OverrideEnvVars = environment });
        if (!string.IsNullOrWhiteSpace(options.Address))
        {
            loaded.TargetHost = options.Address;
        }

        if (options.Namespace != TemporalOptions.DefaultNamespace || string.IsNullOrWhiteSpace(loaded.Namespace))
        {
            loaded.Namespace = options.Namespace;
        }

        return loaded;
    }

    /// <summary>Copies what <paramref name="source"/> says about reaching the server (address, namespace, TLS, API key, gRPC metadata).</summary>
    public static void CopyTo(TemporalClientConnectOptions source, TemporalClientConnectOptions target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        target.TargetHost = source.TargetHost;
        target.Namespace = source.Namespace;
        target.Tls = source.Tls;
        target.ApiKey = source.ApiKey;
        target.RpcMetadata = source.RpcMetadata;
    }

    /// <summary>Says how the client reaches the server, without secrets: for logs and the health check.</summary>
    public static string Describe(TemporalClientConnectOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tls = options.Tls switch
        {
            null => options.ApiKey is null ? "plain" : "TLS",
            { Disabled: true } => "plain",
            { ClientCert: not null } => "mTLS",
            _ => "TLS",
        };
        return options.ApiKey is null ? tls : tls + ", API key";
    }
}
