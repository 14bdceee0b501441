using System.Globalization;

namespace WarehouseOms.Benchmarks;

/// <summary>Command-line options; the defaults are the figures published in the README.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>Orders in the order phase, and raw messages in the baseline phase.</summary>
    public int Orders { get; init; } = 500;

    /// <summary>Concurrent publishers in every phase; each waits for its message's outcome before the next.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Wall-clock limit of a phase: nothing new starts after it, and what is still in flight times out.</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Unmeasured messages and orders first, so JIT, pools and caches are warm in every phase.</summary>
    public int Warmup { get; init; } = 32;

    /// <summary>Run the third phase (pick + pack + delivered → order-completed).</summary>
    public bool Complete { get; init; } = true;

    /// <summary>Only the hot-SKU case (<see cref="HotSku"/>): IMS activities on one SKU next to a raw row update; no service.</summary>
    public bool HotSku { get; init; }

    public const string Usage =
        """
        WarehouseOms.Benchmarks [options]
          --orders N        orders in the order phase, raw messages in the baseline (default 500)
          --concurrency C   concurrent publishers, each waits for its outcome (default 16)
          --budget S        seconds a phase may take; in-flight work then times out (default 300)
          --warmup N        unmeasured messages / orders before each kind of phase (default 32)
          --no-complete     skip the third phase (pick, pack, delivered → order-completed)
          --hot-sku         instead: N orders reserving and releasing one SKU through the IMS activities,
                            next to a raw update of its row (no broker or Temporal needed)
        """;

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Number(int minimum) => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture) is var n && n >= minimum
                ? n
                : throw new ArgumentException($"{name} must be at least {minimum}");
            options = name switch
            {
                "--orders" => options with { Orders = Number(1) },
                "--concurrency" => options with { Concurrency = Number(1) },
                "--budget" => options with { Budget = TimeSpan.FromSeconds(Number(1)) },
                "--warmup" => options with { Warmup = Number(0) },
                "--no-complete" => options with { Complete = false },
                "--hot-sku" => options with { HotSku = true },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options;
    }
}
