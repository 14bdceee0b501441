namespace WarehouseOms.TemporalDevServer;

/// <summary>Where the dev server keeps workflow state.</summary>
public abstract record TemporalDevServerStorage
{
    private protected TemporalDevServerStorage()
    {
    }

    /// <summary>Nothing survives the process: for tests and time skipping.</summary>
    public static TemporalDevServerStorage InMemory { get; } = new InMemoryStorage();

    /// <summary>
    /// Durable: executions, history and timers in PostgreSQL, in <paramref name="schema"/> of the database
    /// the connection string names (created and migrated by the server). One engine per store at a time.
    /// </summary>
    public static TemporalDevServerStorage Postgres(string connectionString, string schema = PostgresStorage.DefaultSchema) =>
        new PostgresStorage(connectionString, schema);
}

public sealed record InMemoryStorage : TemporalDevServerStorage;

public sealed record PostgresStorage(string ConnectionString, string Schema) : TemporalDevServerStorage
{
    public const string DefaultSchema = "temporal";

    // The connection string may carry a password: never print it.
    public override string ToString() => $"PostgresStorage {{ Schema = {Schema} }}";
}
