namespace WarehouseOms.TemporalDevServer.Tests.Infrastructure;

/// <summary>
/// Test classes share one dev server per collection. Collections run in parallel, so a few servers
/// run side by side; within a collection tests run one after another on fresh task queues.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ActivitiesCollection : ICollectionFixture<LocalEnvironmentFixture>
{
    public const string Name = "Dev server: activities";
}

[CollectionDefinition(Name)]
public sealed class StandaloneActivitiesCollection : ICollectionFixture<LocalEnvironmentFixture>
{
    public const string Name = "Dev server: standalone activities";
}

[CollectionDefinition(Name)]
public sealed class WorkflowsCollection : ICollectionFixture<LocalEnvironmentFixture>
{
    public const string Name = "Dev server: workflows";
}

[CollectionDefinition(Name)]
public sealed class ClientCollection : ICollectionFixture<LocalEnvironmentFixture>
{
    public const string Name = "Dev server: client operations";
}

[CollectionDefinition(Name)]
public sealed class SchedulesCollection : ICollectionFixture<LocalEnvironmentFixture>
{
    public const string Name = "Dev server: schedules";
}

[CollectionDefinition(Name)]
public sealed class LoadCollection : ICollectionFixture<LocalEnvironmentFixture>
{
    public const string Name = "Dev server: load";
}

[CollectionDefinition(Name)]
public sealed class TimeSkippingCollection : ICollectionFixture<TimeSkippingEnvironmentFixture>
{
    public const string Name = "Time-skipping test server";
}

[CollectionDefinition(Name)]
public sealed class LimitsCollection : ICollectionFixture<SmallLimitsEnvironmentFixture>
{
    public const string Name = "Dev server: small size limits";
}

[CollectionDefinition(Name)]
public sealed class ShortRetentionCollection : ICollectionFixture<ShortRetentionEnvironmentFixture>
{
    public const string Name = "Dev server: short retention";
}

[CollectionDefinition(Name)]
public sealed class NoEagerActivitiesCollection : ICollectionFixture<NoEagerActivitiesEnvironmentFixture>
{
    public const string Name = "Dev server: eager activities off";
}

[CollectionDefinition(Name)]
public sealed class CancelPollsOnShutdownCollection : ICollectionFixture<CancelPollsOnShutdownEnvironmentFixture>
{
    public const string Name = "Dev server: worker polls cancelled on shutdown";
}

[CollectionDefinition(Name)]
public sealed class SignalWithStartFromWorkflowCollection : ICollectionFixture<SignalWithStartFromWorkflowEnvironmentFixture>
{
    public const string Name = "Dev server: signal-with-start from workflows";
}

[CollectionDefinition(Name)]
public sealed class StandaloneActivityOperatorCommandsCollection : ICollectionFixture<StandaloneActivityOperatorCommandsEnvironmentFixture>
{
    public const string Name = "Dev server: standalone activity operator commands";
}

[CollectionDefinition(Name)]
public sealed class StandaloneNexusOffCollection : ICollectionFixture<StandaloneNexusOffEnvironmentFixture>
{
    public const string Name = "Dev server: standalone Nexus operations off";
}

[CollectionDefinition(Name)]
public sealed class WorkflowPauseCollection : ICollectionFixture<WorkflowPauseEnvironmentFixture>
{
    public const string Name = "Dev server: workflow pause";
}

[CollectionDefinition(Name)]
public sealed class UpdateCallbacksCollection : ICollectionFixture<UpdateCallbacksEnvironmentFixture>
{
    public const string Name = "Dev server: update callbacks";
}
