using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;
using WarehouseOms.Persistence;

// Usage (from the repository root):
//   dotnet run --project tools/WarehouseOms.MigrationTool -- add <MigrationName>
//   dotnet run --project tools/WarehouseOms.MigrationTool -- script
// "add" writes the migration, its designer file and the updated model snapshot into
// src/WarehouseOms.Persistence/Migrations; "script" regenerates Scripts/warehouse_oms.sql (idempotent).
var persistenceDir = Path.GetFullPath(Path.Combine("src", "WarehouseOms.Persistence"));
if (args.Length == 0 || !Directory.Exists(persistenceDir))
{
    Console.Error.WriteLine("usage (from the repository root): add <MigrationName> | script");
    return 2;
}

using var db = new DesignTimeDbContextFactory().CreateDbContext([]);
switch (args[0])
{
    case "add" when args.Length == 2:
        var services = new ServiceCollection()
            .AddEntityFrameworkDesignTimeServices()
            .AddDbContextDesignTimeServices(db);
        // What `dotnet ef` does through the provider's [DesignTimeProviderServices] attribute: Npgsql's
        // annotation code generator, so the scaffolded code keeps PostgreSQL specifics.
#pragma warning disable EF1001
        new Npgsql.EntityFrameworkCore.PostgreSQL.Design.Internal.NpgsqlDesignTimeServices().ConfigureDesignTimeServices(services);
#pragma warning restore EF1001
        using (var provider = services.BuildServiceProvider())
        {
            var scaffolder = provider.GetRequiredService<IMigrationsScaffolder>();
            var migration = scaffolder.ScaffoldMigration(args[1], typeof(WarehouseOmsDbContext).Namespace!, "Migrations", "C#");
            var files = scaffolder.Save(persistenceDir, migration, Path.Combine(persistenceDir, "Migrations"));
            Console.WriteLine($"{files.MigrationFile}\n{files.MetadataFile}\n{files.SnapshotFile}");
        }

        return 0;
    case "script":
        var sql = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        var path = Path.Combine(persistenceDir, "Scripts", "warehouse_oms.sql");
        File.WriteAllText(path, sql);
        Console.WriteLine(path);
        return 0;
    default:
        Console.Error.WriteLine("usage (from the repository root): add <MigrationName> | script");
        return 2;
}
