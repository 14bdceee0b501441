using System.Diagnostics.CodeAnalysis;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;

namespace WarehouseOms.TemporalDevServer.Engine;

/// <summary>
/// Temporal's task queue name rules (<c>tqid</c>'s validator and its internal per-namespace queues), with its messages.
/// A name under <c>/_sys/</c> is how Temporal names a partition of another queue, so a request for a whole queue may
/// not use it; the per-namespace queues of Temporal's system workers are closed to user workflows and activities.
/// </summary>
internal static class TaskQueueNames
{
    private const string PartitionPrefix = "/_sys/";

    private const string InternalPerNamespacePrefix = "temporal-sys-per-ns-";

    // Temporal lists it by name until it is renamed under the prefix.
    private const string WorkerControllerQueue = "temporal-sys-worker-controller-per-ns-tq";

    /// <summary>
    /// Temporal's <c>tqid.Validate</c>: what is wrong with a name, or null. <paramref name="wholeQueue"/>: it must name
    /// a queue, not one of its partitions.
    /// </summary>
    public static string? NameProblem(string? name, bool wholeQueue = true)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "taskQueue is not set";
        }

        if (WorkflowEngine.IdLength(name) > WorkflowEngine.MaxIdLength)
        {
            return "taskQueue length exceeds limit";
        }

        return wholeQueue && name.StartsWith(PartitionPrefix, StringComparison.Ordinal)
            ? $"task queue name cannot start with reserved prefix {PartitionPrefix}"
            : null;
    }

    /// <summary>
    /// Temporal's <c>tqid.NormalizeAndValidate</c>, for a queue a request names (polls, partitions): the queue set, its
    /// name valid, and a sticky queue's normal name, when sent, valid as a partition's. Not <paramref name="wholeQueue"/>:
    /// <c>NormalizeAndValidatePartition</c>, which takes a partition's name too (DescribeTaskQueue's default mode).
    /// </summary>
    public static string? Problem(TaskQueue? queue, bool wholeQueue = true)
    {
        if (queue is null)
        {
            return "taskQueue is not set";
        }

        if (string.IsNullOrEmpty(queue.Name))
        {
            return "missing task queue name";
        }

        return NameProblem(queue.Name, wholeQueue) ??
            (queue.Kind == TaskQueueKind.Sticky && !string.IsNullOrEmpty(queue.NormalName) ? NameProblem(queue.NormalName, wholeQueue: false) : null);
    }

    /// <summary>
    /// Temporal's <c>tqid.NormalizeAndValidateUserDefined</c>, for a queue a workflow or activity is put on: as
    /// <see cref="Problem"/>, and not an internal per-namespace queue unless <paramref name="parent"/>, the queue of the
    /// workflow scheduling it, is one.
    /// </summary>
    public static string? UserDefinedProblem(TaskQueue? queue, string? parent = null)
    {
        if (Problem(queue) is { } problem)
        {
            return problem;
        }

        if (!IsInternalPerNamespace(queue!.Name) || IsInternalPerNamespace(parent))
        {
            return null;
        }

        return string.IsNullOrEmpty(parent)
            ? $"cannot use internal per-namespace task queue:{queue.Name}"
            : $"cannot use internal per-namespace task queue:{queue.Name} (in parent component task queue: {parent})";
    }

    /// <summary><see cref="Problem"/> as INVALID_ARGUMENT.</summary>
    public static void Require([NotNull] TaskQueue? queue, bool wholeQueue = true)
    {
        var problem = Problem(queue, wholeQueue);
        if (problem is not null || queue is null)
        {
            throw Errors.InvalidArgument(problem!);
        }
    }

    /// <summary><see cref="UserDefinedProblem"/> as INVALID_ARGUMENT.</summary>
    public static void RequireUserDefined([NotNull] TaskQueue? queue)
    {
        var problem = UserDefinedProblem(queue);
        if (problem is not null || queue is null)
        {
            throw Errors.InvalidArgument(problem!);
        }
    }

    /// <summary>
    /// Temporal's <c>tqid.NewTaskQueueFamily</c>, where matching itself takes a queue's name after the frontend's checks
    /// (UpdateTaskQueueConfig): not a partition's.
    /// </summary>
    public static void RequireFamily(string name)
    {
        if (name.StartsWith(PartitionPrefix, StringComparison.Ordinal))
        {
            throw Errors.InvalidArgument($"task queue family name cannot have prefix {PartitionPrefix} {name}");
        }
    }

    /// <summary>A queue as Go's %s prints it in Temporal's command messages (prototext; Go may double a space at random).</summary>
    public static string GoText(TaskQueue queue) =>
        $"name:\"{queue.Name}\" kind:{Enums.Name(queue.Kind)}" + (string.IsNullOrEmpty(queue.NormalName) ? string.Empty : $" normal_name:\"{queue.NormalName}\"");

    private static bool IsInternalPerNamespace(string? name) =>
        name is not null && (name.StartsWith(InternalPerNamespacePrefix, StringComparison.Ordinal) || name == WorkerControllerQueue);
}
