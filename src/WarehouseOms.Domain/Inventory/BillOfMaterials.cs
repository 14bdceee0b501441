namespace WarehouseOms.Domain.Inventory;

/// <summary>
/// Kits and their components. A kit is sold as one SKU but picked as its components, which may be
/// kits themselves; expansion resolves them down to stocked SKUs.
/// </summary>
public sealed class BillOfMaterials
{
    private readonly Dictionary<string, IReadOnlyList<BomComponent>> _components;

    public BillOfMaterials(IEnumerable<BomComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        _components = components
            .GroupBy(c => c.KitSku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<BomComponent>)g.ToList(), StringComparer.Ordinal);

        foreach (var component in _components.Values.SelectMany(c => c))
        {
            if (component.Quantity <= 0)
            {
                throw new ArgumentException(
                    $"Kit {component.KitSku} lists component {component.ComponentSku} with quantity {component.Quantity}; it must be positive.",
                    nameof(components));
            }
        }
    }

    public static BillOfMaterials Empty { get; } = new([]);

    public bool IsKit(string sku) => _components.ContainsKey(sku);

    /// <summary>This bill of materials with <paramref name="kitSku"/> (re)defined as <paramref name="components"/>.</summary>
    public BillOfMaterials WithKit(string kitSku, IEnumerable<SkuQuantity> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        return new(_components
            .Where(k => !string.Equals(k.Key, kitSku, StringComparison.Ordinal))
            .SelectMany(k => k.Value)
            .Concat(components.Select(c => new BomComponent(kitSku, c.Sku, c.Quantity))));
    }

    /// <summary>
    /// Expands kit SKUs (recursively) into stocked component SKUs and sums quantities per SKU.
    /// The result is ordered by SKU so that callers lock stock rows in a stable order.
    /// </summary>
    /// <exception cref="BomCycleException">A kit contains itself, directly or through other kits.</exception>
    public IReadOnlyList<SkuQuantity> Expand(IEnumerable<SkuQuantity> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            ExpandInto(line.Sku, line.Quantity, totals, []);
        }

        return totals
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new SkuQuantity(t.Key, checked((int)t.Value)))
            .ToList();
    }

    private void ExpandInto(string sku, long quantity, Dictionary<string, long> totals, List<string> path)
    {
        if (!_components.TryGetValue(sku, out var components))
        {
            totals[sku] = totals.GetValueOrDefault(sku) + quantity;
            return;
        }

        if (path.Contains(sku, StringComparer.Ordinal))
        {
            throw new BomCycleException([.. path, sku]);
        }

        path.Add(sku);
        foreach (var component in components)
        {
            ExpandInto(component.ComponentSku, checked(quantity * component.Quantity), totals, path);
        }

        path.RemoveAt(path.Count - 1);
    }
}

/// <summary>The bill of materials is corrupt: a kit contains itself. Expansion cannot succeed, ever.</summary>
public sealed class BomCycleException : Exception
{
    public BomCycleException()
        : this([])
    {
    }

    public BomCycleException(string message)
        : base(message)
    {
        Path = [];
    }

    public BomCycleException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = [];
    }

    public BomCycleException(IReadOnlyList<string> path)
        : base($"Bill of materials cycle: {string.Join(" -> ", path)}")
    {
        Path = path;
    }

    /// <summary>The kits on the cycle, first and last being the same SKU.</summary>
    public IReadOnlyList<string> Path { get; }
}
