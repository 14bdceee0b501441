using Microsoft.Extensions.Logging.Abstractions;
using WarehouseOms.Messaging.Cart;

namespace WarehouseOms.Messaging.Tests.Cart;

/// <summary>The admission of a channel's deliveries in delivery-tag order (<see cref="DeliverySequencer"/>).</summary>
public sealed class DeliverySequencerTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DeliveriesArrivingOutOfOrder_AreAdmittedInTagOrder_EachAfterThePreviousLeft()
    {
        var sequencer = new DeliverySequencer(Long, NullLogger.Instance);
        var third = sequencer.EnterAsync("ctag", 3, CancellationToken.None).AsTask();
        var second = sequencer.EnterAsync("ctag", 2, CancellationToken.None).AsTask();

        var first = await sequencer.EnterAsync("ctag", 1, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        first.Leave();
        (await second.WaitAsync(Long)).Leave();
        (await third.WaitAsync(Long)).Leave();

        // The next one in line goes straight in.
        Assert.True(sequencer.EnterAsync("ctag", 4, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task FirstDeliveriesWithoutAConsumerTagYet_ShareTheChannelsLane_AndKeepTagOrder()
    {
        // The broker starts a backlog before MassTransit has handled consume-ok: the first deliveries carry no tag.
        var sequencer = new DeliverySequencer(Long, NullLogger.Instance);
        var fourth = sequencer.EnterAsync("ctag", 4, CancellationToken.None).AsTask();
        var third = sequencer.EnterAsync("ctag", 3, CancellationToken.None).AsTask();
        var second = sequencer.EnterAsync(string.Empty, 2, CancellationToken.None).AsTask();

        var first = await sequencer.EnterAsync(string.Empty, 1, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);

        first.Leave();
        (await second.WaitAsync(Long)).Leave();
        Assert.False(fourth.IsCompleted);
        (await third.WaitAsync(Long)).Leave();
        (await fourth.WaitAsync(Long)).Leave();

        // And a lane opened without a tag takes the tag when it comes.
        var named = new DeliverySequencer(Long, NullLogger.Instance);
        (await named.EnterAsync(string.Empty, 1, CancellationToken.None)).Leave();
        var late = named.EnterAsync("ctag", 3, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(late.IsCompleted); // waits for 2, not a new lane at 1
        (await named.EnterAsync("ctag", 2, CancellationToken.None)).Leave();
        (await late.WaitAsync(Long)).Leave();
    }

    [Fact]
    public async Task ADeliveryThatNeverComes_IsSkippedAfterTheGapTimeout_LowestWaitingFirst()
    {
        var sequencer = new DeliverySequencer(TimeSpan.FromMilliseconds(100), NullLogger.Instance);
        var third = sequencer.EnterAsync("ctag", 3, CancellationToken.None).AsTask();
        var second = sequencer.EnterAsync("ctag", 2, CancellationToken.None).AsTask();

        var admittedSecond = await second.WaitAsync(Long); // 1 never arrives
        await Task.Delay(250);
        Assert.False(third.IsCompleted); // still behind 2

        admittedSecond.Leave();
        (await third.WaitAsync(Long)).Leave();

        // A late 1 is behind the turn: it passes without waiting.
        Assert.True(sequencer.EnterAsync("ctag", 1, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ANewConsumerTag_ReleasesTheOldChannelsWaiters_AndStartsAtOne()
    {
        var sequencer = new DeliverySequencer(Long, NullLogger.Instance);
        var oldWaiter = sequencer.EnterAsync("old", 2, CancellationToken.None).AsTask();

        var entering = sequencer.EnterAsync("new", 1, CancellationToken.None);

        Assert.True(entering.IsCompletedSuccessfully);
        var newFirst = await entering;
        await oldWaiter.WaitAsync(Long);
        Assert.True(sequencer.EnterAsync("old", 5, CancellationToken.None).IsCompletedSuccessfully); // retired: not ordered
        var newSecond = sequencer.EnterAsync("new", 2, CancellationToken.None).AsTask();
        Assert.False(newSecond.IsCompleted);
        newFirst.Leave();
        await newSecond.WaitAsync(Long);
    }

    [Fact]
    public async Task AWaiterCancelled_IsRemoved_AndTheLineMovesOn()
    {
        var sequencer = new DeliverySequencer(TimeSpan.FromMilliseconds(100), NullLogger.Instance);
        using var cancel = new CancellationTokenSource();
        var first = await sequencer.EnterAsync("ctag", 1, CancellationToken.None);
        var second = sequencer.EnterAsync("ctag", 2, cancel.Token).AsTask();
        var third = sequencer.EnterAsync("ctag", 3, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        first.Leave();

        // 2 is gone for good: after the gap timeout 3 goes ahead.
        (await third.WaitAsync(Long)).Leave();
    }
}
