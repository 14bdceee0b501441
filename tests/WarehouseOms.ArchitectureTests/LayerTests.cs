using System.Reflection;
using WarehouseOms.Activities;
using WarehouseOms.Cli;
using WarehouseOms.Contracts;
using WarehouseOms.Domain.Orders;
using WarehouseOms.Messaging;
using WarehouseOms.Operations;
using WarehouseOms.Persistence;
using WarehouseOms.Temporal;
using WarehouseOms.Workflows;

namespace WarehouseOms.ArchitectureTests;

/// <summary>
/// The layering of docs/architecture.md, checked on the compiled assemblies (their metadata references:
/// what the code actually uses, not only what a project file lists), so that a layer reaching where it
/// must not fails the build's tests instead of waiting for a review.
/// </summary>
public sealed class LayerTests
{
    private static readonly Assembly Contracts = typeof(Exchanges).Assembly;
    private static readonly Assembly Domain = typeof(OrderStage).Assembly;
    private static readonly Assembly Workflows = typeof(OrderIntakeWorkflow).Assembly;
    private static readonly Assembly Persistence = typeof(WarehouseOmsDbContext).Assembly;
    private static readonly Assembly Activities = typeof(OmsActivities).Assembly;
    private static readonly Assembly Messaging = typeof(MessagingRegistration).Assembly;
    private static readonly Assembly Temporal = typeof(TemporalRegistration).Assembly;
    private static readonly Assembly Cli = typeof(CliApplication).Assembly;
    private static readonly Assembly Operations = typeof(ErrorQueues).Assembly;

    /// <summary>
    /// Packages and framework parts that do I/O: databases, brokers, the network, web hosting, log sinks.
    /// (File and console access live in System.Runtime and System.Console; see <see cref="Domain_ReferencesOnlyTheBaseLibrary"/>.)
    /// </summary>
    private static readonly string[] InputOutput =
    [
        "Npgsql", "Microsoft.EntityFrameworkCore", "System.Data", "Microsoft.Data", "MassTransit", "RabbitMQ.Client",
        "System.Net", "Grpc", "Microsoft.AspNetCore", "Microsoft.Extensions.Hosting", "Serilog", "OpenTelemetry", "System.Console",
    ];

    private const string OurPrefix = "WarehouseOms.";
    private const string Host = "WarehouseOms.Host";

    public static TheoryData<string> ProductAssemblies => new(new[] { Contracts, Domain, Workflows, Persistence, Activities, Temporal, Messaging, Cli, Operations }.Select(a => a.GetName().Name!));

    public static TheoryData<string> PureAssemblies => new(Domain.GetName().Name!, Workflows.GetName().Name!);

    [Theory]
    [MemberData(nameof(PureAssemblies))]
    public void DomainAndWorkflows_ReferenceNoInputOutputPackage(string assembly)
    {
        var offending = References(Load(assembly)).Where(r => InputOutput.Any(io => r == io || r.StartsWith(io + ".", StringComparison.Ordinal)));

        Assert.Empty(offending);
    }

    [Fact]
    public void Domain_ReferencesOnlyTheBaseLibrary() =>
        Assert.All(References(Domain), r => Assert.True(
            r.StartsWith("System.", StringComparison.Ordinal) && !r.StartsWith("System.Net", StringComparison.Ordinal) && r != "System.Console",
            $"WarehouseOms.Domain references {r}: the domain is pure C# (no packages, nothing of ours, no I/O)."));

    [Fact]
    public void Contracts_ReferenceNothingOfOurs() =>
        Assert.DoesNotContain(References(Contracts), r => r.StartsWith(OurPrefix, StringComparison.Ordinal));

    [Fact]
    public void Workflows_ReferenceOnlyContractsAndDomainOfOurs() =>
        Assert.Equal(
            ["WarehouseOms.Contracts", "WarehouseOms.Domain"],
            References(Workflows).Where(r => r.StartsWith(OurPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal));

    [Fact]
    public void Persistence_ReferencesNeitherWorkflowsNorActivitiesNorMessaging() =>
        Assert.Equal(
            ["WarehouseOms.Contracts", "WarehouseOms.Domain"],
            References(Persistence).Where(r => r.StartsWith(OurPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal));

    /// <summary>
    /// Activities say what changes; the SQL of the tables lives with Persistence, which owns them (its
    /// per-system stores and the unit of work <c>OrderChange</c>). An activity that needs EF Core or Npgsql
    /// directly is SQL leaking back.
    /// </summary>
    [Fact]
    public void Activities_ReferenceNoDatabaseDriver() =>
        Assert.DoesNotContain(References(Activities), r =>
            r.StartsWith("Npgsql", StringComparison.Ordinal) || r.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));

    /// <summary>
    /// Talking to Temporal (client, typed signals and queries, error classification) is the Temporal
    /// module's: the consumers go through its typed API and never touch the SDK themselves.
    /// </summary>
    [Fact]
    public void Messaging_ReferencesNoTemporalSdk() =>
        Assert.DoesNotContain(References(Messaging), r => r.StartsWith("Temporalio", StringComparison.Ordinal));

    /// <summary>The Temporal module knows the workflows it talks to, nothing of the broker or the database.</summary>
    [Fact]
    public void Temporal_ReferencesOnlyWorkflowsAndTheirLayersOfOurs() =>
        Assert.All(
            References(Temporal).Where(r => r.StartsWith(OurPrefix, StringComparison.Ordinal)),
            r => Assert.Contains(r, new[] { "WarehouseOms.Contracts", "WarehouseOms.Domain", "WarehouseOms.Workflows" }));

    /// <summary>
    /// Operator actions on the broker (error queues), shared by the console and the CLI: AMQP and the
    /// contracts' names only, so the CLI does not pull in MassTransit, the database or the workflows.
    /// </summary>
    [Fact]
    public void Operations_ReferencesOnlyContractsOfOurs() =>
        Assert.Equal(
            ["WarehouseOms.Contracts"],
            References(Operations).Where(r => r.StartsWith(OurPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal));

    /// <summary>
    /// The host wires everything, so nothing may depend on it (it would be a cycle in all but name).
    /// The load driver in src/WarehouseOms.Benchmarks runs the host in-process, as the integration tests
    /// do; it is a harness, not a product assembly, and not checked here.
    /// </summary>
    [Theory]
    [MemberData(nameof(ProductAssemblies))]
    public void ProductAssembly_DoesNotReferenceHost(string assembly) =>
        Assert.DoesNotContain(Host, References(Load(assembly)));

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    private static List<string> References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(r => r.Name!).ToList();
}
