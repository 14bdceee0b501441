using Microsoft.Extensions.Logging.Abstractions;
using WarehouseOms.Messaging.Cart;

namespace WarehouseOms.Messaging.Tests.Cart;

/// <summary>The admission of a channel's deliveries in delivery-tag order (<see cref="DeliverySequencer"/>).</summary>
public sealed class DeliverySequencerTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    // What identifies a channel: the same object for all its deliveries.
    private static readonly object Channel = new();

    [Fact]
    public async Task DeliveriesArrivingOutOfOrder_AreAdmittedInTagOrder_EachAfterThePreviousLeft()
    {
        var sequencer = new DeliverySequencer(Long, NullLogger.Instance);
        var third = sequencer.EnterAsync(Channel, "ctag", 3, CancellationToken.None).AsTask();
        var second = sequencer.EnterAsync(Channel, "ctag", 2, CancellationToken.None).AsTask();

        var first = await sequencer.EnterAsync(Channel, "ctag", 1, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        first.Leave();
        (await second.WaitAsync(Long)).Leave();
        (await third.WaitAsync(Long)).Leave();

        // The next one in line goes straight in.
        Assert.True(sequencer.EnterAsync(Channel, "ctag", 4, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task FirstDeliveriesWithoutAConsumerTagYet_ShareTheChannelsLane_AndKeepTagOrder()
    {
        // The broker starts a backlog before MassTransit has handled consume-ok: the first deliveries carry no tag.
        var sequencer = new DeliverySequencer(Long, NullLogger.Instance);
        var fourth = sequencer.EnterAsync(Channel, "ctag", 4, CancellationToken.None).AsTask();
        var third = sequencer.EnterAsync(Channel, "ctag", 3, CancellationToken.None).AsTask();
        var second = sequencer.EnterAsync(Channel, string.Empty, 2, CancellationToken.None).AsTask();

        var first = await sequencer.EnterAsync(Channel, string.Empty, 1, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);

        first.Leave();
        (await second.WaitAsync(Long)).Leave();
        Assert.False(fourth.IsCompleted);
        (await third.WaitAsync(Long)).Leave();
        (await fourth.WaitAsync(Long)).Leave();
    }

    [Fact]
    public async Task ADeliveryThatNeverComes_IsSkippedAfterTheGapTimeout_LowestWaitingFirst()
    {
        var sequencer = new DeliverySequencer(TimeSpan.FromMilliseconds(100), NullLogger.Instance);
        var third = sequencer.EnterAsync(Channel, "ctag", 3, CancellationToken.None).AsTask();
        var second = sequencer.EnterAsync(Channel, "ctag", 2, CancellationToken.None).AsTask();

        var admittedSecond = await second.WaitAsync(Long); // 1 never arrives
        await Task.Delay(250);
        Assert.False(third.IsCompleted); // still behind 2

        admittedSecond.Leave();
        (await third.WaitAsync(Long)).Leave();

        // A late 1 is behind the turn: it passes without waiting.
        Assert.True(sequencer.EnterAsync(Channel, "ctag", 1, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ANewChannel_ReleasesTheOldChannelsWaiters_AndStartsAtOne()
    {
        var sequencer = new DeliverySequencer(Long, NullLogger.Instance);
        object oldChannel = new(), newChannel = new();
        var oldWaiter = sequencer.EnterAsync(oldChannel, "old", 2, CancellationToken.None).AsTask();

        var entering = sequencer.EnterAsync(newChannel, "new", 1, CancellationToken.None);

        Assert.True(entering.IsCompletedSuccessfully);
        var newFirst = await entering;
        await oldWaiter.WaitAsync(Long);
        Assert.True(sequencer.EnterAsync(oldChannel, "old", 5, CancellationToken.None).IsCompletedSuccessfully); // retired: not ordered
        var newSecond = sequencer.EnterAsync(newChannel, "new", 2, CancellationToken.None).AsTask();
        Assert.False(newSecond.IsCompleted);
        newFirst.Leave();
        await newSecond.WaitAsync(Long);
    }

    [Fact]
    public async Task AfterAReconnect_TheNewChannelsUntaggedFirstDeliveries_OpenItsLane_InTagOrder()
    {
        // The old channel had admitted up to 56; the new one's backlog starts at 1, before its tag is known.
        var sequencer = new DeliverySequencer(Long, NullLogger.Instance);
        object oldChannel = new(), newChannel = new();
        for (ulong tag = 1; tag <= 56; tag++)
        {
            (await sequencer.EnterAsync(oldChannel, "old", tag, CancellationToken.None)).Leave();
        }

        var third = sequencer.EnterAsync(newChannel, "new", 3, CancellationToken.None).AsTask();
        var second = sequencer.EnterAsync(newChannel, string.Empty, 2, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted); // waits for 1 on the new lane: not waved through as the old channel's
        Assert.False(third.IsCompleted);

        var first = await sequencer.EnterAsync(newChannel, string.Empty, 1, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        first.Leave();
        (await second.WaitAsync(Long)).Leave();
        (await third.WaitAsync(Long)).Leave();
    }

    [Fact]
    public async Task AWaiterCancelled_IsRemoved_AndTheLineMovesOn()
    {
        var sequencer = new DeliverySequencer(TimeSpan.FromMilliseconds(100), NullLogger.Instance);
        using var cancel = new CancellationTokenSource();
        var first = await sequencer.EnterAsync(Channel, "ctag", 1, CancellationToken.None);
        var second = sequencer.EnterAsync(Channel, "ctag", 2, cancel.Token).AsTask();
        var third = sequencer.EnterAsync(Channel, "ctag", 3, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        first.Leave();

        // 2 is gone for good: after the gap timeout 3 goes ahead.
        (await third.WaitAsync(Long)).Leave();
    }
}
