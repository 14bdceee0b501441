using System.Globalization;

namespace WarehouseOms.TemporalDevServer;

/// <summary>Parses the three command-line forms; options it has no use for are ignored.</summary>
internal static class CommandLine
{
    public static TemporalDevServerOptions Parse(string[] args)
    {
        // Test-server form: a single port argument, time skipping starts locked.
        if (args.Length >= 1 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var testPort))
        {
            return new TemporalDevServerOptions
            {
                Port = testPort,
                TimeSkipping = true,
                StartLocked = true,
                ServeTestService = true,
            };
        }

        var options = new TemporalDevServerOptions { Port = 7233 };
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" or "-p" when value is not null:
                    options = options with { Port = int.Parse(value, CultureInfo.InvariantCulture) };
                    i++;
                    break;
                case "--ip" when value is not null:
                    options = options with { Ip = value == "localhost" ? "127.0.0.1" : value };
                    i++;
                    break;
                case "--namespace" or "-n" when value is not null:
                    options = options with { Namespace = value };
                    i++;
                    break;
                case "--time-skipping":
                    options = options with { TimeSkipping = true, ServeTestService = true };
                    break;
            }
        }

        return options;
    }
}
