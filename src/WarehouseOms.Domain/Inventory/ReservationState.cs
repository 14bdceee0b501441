namespace WarehouseOms.Domain.Inventory;

/// <summary>The life of stock reserved for one order and SKU: reserved, then either consumed (picked) or released.</summary>
public enum ReservationState
{
    Reserved,
    Consumed,
    Released,
}
