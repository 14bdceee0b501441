using WarehouseOms.Domain.Orders;
using WarehouseOms.Workflows;

namespace WarehouseOms.ArchitectureTests;

/// <summary>
/// What the Domain and the Workflows call: no I/O in either, and nothing non-deterministic in workflow
/// code (Temporal replays it: the clock, random numbers, new GUIDs, real delays and threads must come
/// from <c>Workflow.*</c>).
/// </summary>
public sealed class PurityTests
{
    /// <summary>Types (or "Type::Member") whose use is I/O.</summary>
    private static readonly string[] InputOutput =
    [
        "System.IO.File", "System.IO.FileInfo", "System.IO.FileStream", "System.IO.Directory", "System.IO.DirectoryInfo",
        "System.IO.StreamReader", "System.IO.StreamWriter", "System.Console", "System.Net.", "System.Diagnostics.Process",
        "System.Environment::GetEnvironmentVariable",
    ];

    /// <summary>Non-deterministic members a workflow must take from <c>Workflow.*</c> instead.</summary>
    private static readonly string[] NonDeterministic =
    [
        "System.DateTime::get_Now", "System.DateTime::get_UtcNow", "System.DateTime::get_Today",
        "System.DateTimeOffset::get_Now", "System.DateTimeOffset::get_UtcNow", "System.Guid::NewGuid", "System.Random",
        "System.Threading.Thread::Sleep", "System.Threading.Tasks.Task::Delay", "System.Threading.Tasks.Task::Run",
        "System.Threading.Timer", "System.Diagnostics.Stopwatch",
    ];

    [Fact]
    public void Domain_CallsNoInputOutput() =>
        Assert.Empty(Uses(typeof(OrderStage).Assembly, InputOutput));

    [Fact]
    public void Workflows_CallNoInputOutput() =>
        Assert.Empty(Uses(typeof(OrderIntakeWorkflow).Assembly, InputOutput));

    [Fact]
    public void Workflows_CallNothingNonDeterministic() =>
        Assert.Empty(Uses(typeof(OrderIntakeWorkflow).Assembly, NonDeterministic));

    /// <summary>The scanner itself: it sees a call here, and the workflow code's own calls (also inside async state machines).</summary>
    [Fact]
    public void MemberReferences_FindsWhatTheCodeCalls()
    {
        Assert.Contains(
            MemberReferences.Of(typeof(PurityTests).Assembly),
            r => r.From.EndsWith("::" + nameof(Probe), StringComparison.Ordinal) && r.Member == "System.DateTime::get_UtcNow");
        Assert.Contains(MemberReferences.Of(typeof(OrderIntakeWorkflow).Assembly), r => r.Member == "Temporalio.Workflows.Workflow::get_UtcNow");
        Assert.Contains(MemberReferences.Of(typeof(OrderIntakeWorkflow).Assembly), r => r.Member == "Temporalio.Workflows.Workflow::Patched");
    }

    private static DateTime Probe() => DateTime.UtcNow;

    private static List<string> Uses(System.Reflection.Assembly assembly, string[] forbidden) =>
        MemberReferences.Of(assembly)
            .Where(r => forbidden.Any(f => Matches(r.Member, f)))
            .Select(r => $"{r.From} uses {r.Member}")
            .Distinct()
            .ToList();

    /// <summary>"Ns." matches a namespace, "Ns.Type" the type and its members, "Ns.Type::Member" that member (any overload).</summary>
    private static bool Matches(string member, string forbidden) =>
        forbidden.EndsWith('.') ? member.StartsWith(forbidden, StringComparison.Ordinal)
        : forbidden.Contains("::", StringComparison.Ordinal) ? member == forbidden
        : member == forbidden || member.StartsWith(forbidden + "::", StringComparison.Ordinal);
}
