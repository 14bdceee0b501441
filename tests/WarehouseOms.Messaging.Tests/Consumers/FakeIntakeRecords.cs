using System.Collections.Concurrent;
using WarehouseOms.Messaging.Consumers;

namespace WarehouseOms.Messaging.Tests.Consumers;

/// <summary>The submissions earlier intakes were started with, by requestId, as a test scripts them.</summary>
public sealed class FakeIntakeRecords : IIntakeRecords
{
    public ConcurrentDictionary<string, RecordedIntake> Recorded { get; } = new();

    public Task<RecordedIntake?> FindAsync(string requestId, CancellationToken cancellationToken) =>
        Task.FromResult(Recorded.TryGetValue(requestId, out var recorded) ? recorded : null);
}
