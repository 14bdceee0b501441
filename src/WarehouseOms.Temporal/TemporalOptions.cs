using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using WarehouseOms.Workflows;

namespace WarehouseOms.Temporal;

/// <summary>Configuration section <c>Temporal</c>: where the engine is, and the workers' task queues.</summary>
public sealed class TemporalOptions
{
    public const string SectionName = "Temporal";

    /// <summary>Port of the embedded engine when <see cref="EmbeddedPort"/> is not set (0 = any free port).</summary>
    public const int DefaultEmbeddedPort = 7233;

    /// <summary>Temporal's default namespace: <see cref="Namespace"/> at this value yields to <c>TEMPORAL_NAMESPACE</c>.</summary>
    public const string DefaultNamespace = "default";

    /// <summary>
    /// host:port of the Temporal frontend. Empty: <c>TEMPORAL_ADDRESS</c> (or the active profile of Temporal's
    /// configuration file), else the Host starts the embedded engine in-process (<see cref="TemporalConnection"/>).
    /// </summary>
    public string? Address { get; set; }

    [Required]
    public string Namespace { get; set; } = DefaultNamespace;

    [Required]
    public string OrderTaskQueue { get; set; } = TaskQueues.Orders;

    [Required]
    public string CartTaskQueue { get; set; } = TaskQueues.Carts;

    /// <summary>Worker identity shown in Temporal; empty means the SDK default (pid@host).</summary>
    public string? WorkerIdentity { get; set; }

    /// <summary>Running activities get this long to finish on shutdown before they are cancelled.</summary>
    public TimeSpan GracefulShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The engine started when <see cref="Address"/> is empty: <c>Persistent</c> (PostgreSQL) or <c>InMemory</c>.
    /// Unset: Persistent, except in Production, where the service refuses to guess.
    /// </summary>
    public EmbeddedTemporal? Embedded { get; set; }

    /// <summary>Port of the embedded engine (0 = any free port).</summary>
    [Range(0, 65535)]
    public int EmbeddedPort { get; set; } = DefaultEmbeddedPort;

    /// <summary>Address the embedded engine listens on.</summary>
    [Required]
    public string EmbeddedIp { get; set; } = "127.0.0.1";

    /// <summary>Database of the persistent embedded engine; empty = the service's own (<c>ConnectionStrings:WarehouseOms</c>).</summary>
    public string? EmbeddedConnectionString { get; set; }

    /// <summary>Schema of the persistent embedded engine's tables.</summary>
    [Required]
    public string EmbeddedSchema { get; set; } = "temporal";

    /// <summary>How long closed workflows stay readable in the embedded engine.</summary>
    public TimeSpan EmbeddedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The section bound and validated, for start-up code that runs before the container exists (the
    /// Host decides which engine to start from it).
    /// </summary>
    /// <exception cref="OptionsValidationException">A value is out of range.</exception>
    public static TemporalOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(SectionName).Get<TemporalOptions>() ?? new TemporalOptions();
        var result = new TemporalOptionsValidation().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(SectionName, typeof(TemporalOptions), result.Failures);
        }

        return options;
    }
}

/// <summary>Which embedded engine runs when no Temporal address is configured.</summary>
public enum EmbeddedTemporal
{
    /// <summary>Workflow state in PostgreSQL: survives kills and restarts; one engine per database.</summary>
    Persistent,

    /// <summary>Workflow state in memory: lost with the process (tests).</summary>
    InMemory,
}

/// <summary>The data annotations of <see cref="TemporalOptions"/>, and what they cannot say.</summary>
internal sealed class TemporalOptionsValidation : IValidateOptions<TemporalOptions>
{
    public ValidateOptionsResult Validate(string? name, TemporalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var failures = results.Select(r => $"{TemporalOptions.SectionName}: {r.ErrorMessage}").ToList();
        if (options.GracefulShutdownTimeout < TimeSpan.Zero)
        {
            failures.Add($"{TemporalOptions.SectionName}:GracefulShutdownTimeout must not be negative.");
        }

        if (options.EmbeddedRetention <= TimeSpan.Zero)
        {
            failures.Add($"{TemporalOptions.SectionName}:EmbeddedRetention must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
