namespace WarehouseOms.Temporal.Tests;

/// <summary>
/// Temporal's environment configuration, read by the SDK's own loader, mapped onto the client options with the
/// service's keys taking precedence (ADR 0020).
/// </summary>
public sealed class TemporalConnectionTests
{
    [Fact]
    public void Load_ApiKeyAndAddressFromTemporalEnvironment_TlsOnWithTheKey()
    {
        var options = TemporalConnection.Load(new TemporalOptions(), Environment(new()
        {
            ["TEMPORAL_ADDRESS"] = "oms.a1b2c.tmprl.cloud:7233",
            ["TEMPORAL_NAMESPACE"] = "oms.a1b2c",
            ["TEMPORAL_API_KEY"] = "secret-key",
        }));

        Assert.Equal(("oms.a1b2c.tmprl.cloud:7233", "oms.a1b2c", "secret-key"), (options.TargetHost, options.Namespace, options.ApiKey));
        Assert.NotNull(options.Tls);
        Assert.False(options.Tls.Disabled);
        Assert.Equal("TLS, API key", TemporalConnection.Describe(options));
    }

    [Fact]
    public void Load_MutualTlsFiles_ClientCertificateKeyAndServerNameReachTheClient()
    {
        var directory = Directory.CreateTempSubdirectory("oms-tls-");
        try
        {
            var cert = Path.Combine(directory.FullName, "client.pem");
            var key = Path.Combine(directory.FullName, "client.key");
            File.WriteAllText(cert, "CERT");
            File.WriteAllText(key, "KEY");

            var options = TemporalConnection.Load(new TemporalOptions(), Environment(new()
            {
                ["TEMPORAL_ADDRESS"] = "temporal.internal:7233",
                ["TEMPORAL_TLS_CLIENT_CERT_PATH"] = cert,
                ["TEMPORAL_TLS_CLIENT_KEY_PATH"] = key,
                ["TEMPORAL_TLS_SERVER_NAME"] = "temporal.internal",
            }));

            Assert.NotNull(options.Tls);
            Assert.Equal(("CERT", "KEY", "temporal.internal"), (
                System.Text.Encoding.UTF8.GetString(options.Tls.ClientCert!),
                System.Text.Encoding.UTF8.GetString(options.Tls.ClientPrivateKey!),
                options.Tls.Domain));
            Assert.Equal("mTLS", TemporalConnection.Describe(options));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Load_ServiceKeysSet_WinOverTheEnvironmentButTlsAndKeyStay()
    {
        var options = TemporalConnection.Load(
            new TemporalOptions { Address = "temporal:7233", Namespace = "warehouse" },
            Environment(new() { ["TEMPORAL_ADDRESS"] = "elsewhere:7233", ["TEMPORAL_NAMESPACE"] = "other", ["TEMPORAL_API_KEY"] = "k" }));

        Assert.Equal(("temporal:7233", "warehouse", "k"), (options.TargetHost, options.Namespace, options.ApiKey));
    }

    [Fact]
    public void Load_NoAddressAnywhere_NoTargetSoTheEmbeddedEngine()
    {
        var options = TemporalConnection.Load(new TemporalOptions(), Environment(new()));

        Assert.Null(options.TargetHost);
        Assert.Equal(TemporalOptions.DefaultNamespace, options.Namespace);
        Assert.Equal("plain", TemporalConnection.Describe(options));
    }

    // No configuration file: a developer's own ~/.config/temporalio/temporal.toml must not change the test.
    private static Dictionary<string, string> Environment(Dictionary<string, string> variables)
    {
        variables["TEMPORAL_CONFIG_FILE"] = Path.Combine(Path.GetTempPath(), $"oms-no-such-temporal-{Guid.NewGuid():N}.toml");
        return variables;
    }
}
