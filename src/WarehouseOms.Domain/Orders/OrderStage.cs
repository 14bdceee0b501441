namespace WarehouseOms.Domain.Orders;

/// <summary>
/// Where an order is in its whole life, from the submitted message to a terminal outcome. Intake owns
/// the first three stages (Received, Validated, Created); fulfillment owns the rest. The names are the
/// wire values of the workflow queries (upper case, see <see cref="OrderStageRules.ToWire"/>).
/// </summary>
/// <remarks>
/// Named "stage" rather than "status" on purpose: the OMS table's own <c>OrderStatus</c> (persistence) is
/// the system of record's coarser view (created / reserved / shipped / failed / cancelled): a subset of
/// these stages, whose moves and wire names it takes from here (<see cref="OrderStageRules.CanAdvance"/>).
/// </remarks>
public enum OrderStage
{
    /// <summary>The submission is durable (intake workflow started); nothing checked yet.</summary>
    Received,

    /// <summary>Structurally valid.</summary>
    Validated,

    /// <summary>The order exists in OMS; fulfillment has not reserved anything yet.</summary>
    Created,

    /// <summary>Stock is allocated (after BOM expansion) and the order marked reserved.</summary>
    Reserved,

    /// <summary>Reserved and waiting for payments.payment-approved (lines may still be added).</summary>
    AwaitingPayment,

    /// <summary>The payment is captured; the warehouse may pick.</summary>
    Paid,

    /// <summary>A pick wave exists; the warehouse is picking.</summary>
    Picking,

    /// <summary>Every pick task is done and the picked stock consumed.</summary>
    Picked,

    /// <summary>Packed; shipment, label and confirmation follow.</summary>
    Packed,

    /// <summary>Handed to the carrier; waiting for the delivery report. Cannot be cancelled any more.</summary>
    Shipped,

    /// <summary>Terminal: the carrier reported the parcel delivered.</summary>
    Completed,

    /// <summary>Terminal: cancelled before shipping, compensations done.</summary>
    Cancelled,

    /// <summary>Terminal: rejected, not allocatable, or timed out.</summary>
    Failed,
}

/// <summary>The allowed-transition table of <see cref="OrderStage"/>.</summary>
public static class OrderStageRules
{
    private static readonly IReadOnlyDictionary<OrderStage, OrderStage[]> Allowed = new Dictionary<OrderStage, OrderStage[]>
    {
        [OrderStage.Received] = [OrderStage.Validated, OrderStage.Failed],
        [OrderStage.Validated] = [OrderStage.Created, OrderStage.Failed],
        [OrderStage.Created] = [OrderStage.Reserved, OrderStage.Cancelled, OrderStage.Failed],
        [OrderStage.Reserved] = [OrderStage.AwaitingPayment, OrderStage.Picking, OrderStage.Cancelled, OrderStage.Failed],
        [OrderStage.AwaitingPayment] = [OrderStage.Paid, OrderStage.Cancelled, OrderStage.Failed],
        [OrderStage.Paid] = [OrderStage.Picking, OrderStage.Cancelled, OrderStage.Failed],
        [OrderStage.Picking] = [OrderStage.Picked, OrderStage.Cancelled, OrderStage.Failed],
        [OrderStage.Picked] = [OrderStage.Packed, OrderStage.Cancelled, OrderStage.Failed],
        [OrderStage.Packed] = [OrderStage.Shipped, OrderStage.Cancelled, OrderStage.Failed],
        [OrderStage.Shipped] = [OrderStage.Completed],
        [OrderStage.Completed] = [],
        [OrderStage.Cancelled] = [],
        [OrderStage.Failed] = [],
    };

    /// <summary>
    /// Completed, cancelled and failed end an order. Shipped is not terminal (delivery completes it), but
    /// nothing but the delivery can change a shipped order.
    /// </summary>
    public static bool IsTerminal(OrderStage stage) =>
        stage is OrderStage.Completed or OrderStage.Cancelled or OrderStage.Failed;

    /// <summary>Whether <paramref name="from"/> may move to <paramref name="to"/>; staying put is not a move.</summary>
    public static bool CanMove(OrderStage from, OrderStage to) =>
        Allowed.TryGetValue(from, out var targets) && targets.Contains(to);

    /// <summary>
    /// Whether a system that records only some of the stages (<paramref name="isRecorded"/>: the OMS order
    /// status, say) may see <paramref name="from"/> followed by <paramref name="to"/>: when the table leads
    /// from one to the other through stages it does not record. OMS, for one, sees Reserved → Shipped when
    /// an order without payment approval goes Reserved → Picking → Picked → Packed → Shipped, since picking
    /// and packing are the warehouse's. Staying put is not a move.
    /// </summary>
    public static bool CanAdvance(OrderStage from, OrderStage to, Func<OrderStage, bool> isRecorded)
    {
        ArgumentNullException.ThrowIfNull(isRecorded);
        var seen = new HashSet<OrderStage>();
        var pending = new Queue<OrderStage>([from]);
        while (pending.TryDequeue(out var stage))
        {
            foreach (var next in Allowed[stage])
            {
                if (next == to)
                {
                    return true;
                }

                if (!isRecorded(next) && seen.Add(next))
                {
                    pending.Enqueue(next);
                }
            }
        }

        return false;
    }

    /// <summary>Returns <paramref name="to"/> or throws <see cref="IllegalOrderTransitionException"/>.</summary>
    public static OrderStage Move(OrderStage from, OrderStage to) =>
        CanMove(from, to) ? to : throw new IllegalOrderTransitionException(from, to);

    /// <summary>The stable wire name used by queries and the HTTP/CLI views: "PICKING", "AWAITING_PAYMENT", ...</summary>
    public static string ToWire(this OrderStage stage) =>
        string.Concat(stage.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? $"_{c}" : char.ToUpperInvariant(c).ToString()));
}

/// <summary>An order was asked to make a move that the transition table forbids (a bug or a stale command).</summary>
public sealed class IllegalOrderTransitionException : InvalidOperationException
{
    public IllegalOrderTransitionException(OrderStage from, OrderStage to)
        : this(from, to, $"An order cannot move from {from.ToWire()} to {to.ToWire()}.")
    {
    }

    public IllegalOrderTransitionException(OrderStage from, OrderStage to, string message)
        : base(message)
    {
        From = from;
        To = to;
    }

    public OrderStage From { get; }

    public OrderStage To { get; }
}
