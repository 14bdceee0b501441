using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace WarehouseOms.TemporalDevServer.Grpc;

/// <summary>
/// Binds handler methods to gRPC method names by hand, using the protobuf message classes shipped in the
/// Temporalio package, so that no .proto file is copied into this project. Every answer, success or
/// error, waits for <paramref name="durable"/>: what the call changed is committed before the caller hears of it.
/// <paramref name="prepare"/> runs first, outside any lock (the engine reads back closed runs the request names).
/// </summary>
internal sealed class ServiceBinder<TService>(
    ServiceMethodProviderContext<TService> context, string serviceName, Func<Task>? durable = null, Func<IMessage, CancellationToken, Task>? prepare = null)
    where TService : class
{
    public void Unary<TRequest, TResponse>(string name, Func<TService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        Bind(name, handler, waitForCommit: true);

    /// <summary>
    /// A task poll: answered without waiting for the commit of the task's start. Should the engine die
    /// first, the task is handed out again after the restart and the first worker's answer is refused
    /// (its token no longer matches); every answer a worker sends back still waits for its commit.
    /// </summary>
    public void Poll<TRequest, TResponse>(string name, Func<TService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        Bind(name, handler, waitForCommit: false);

    private void Bind<TRequest, TResponse>(string name, Func<TService, TRequest, ServerCallContext, Task<TResponse>> handler, bool waitForCommit)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, serviceName, name, MarshallerOf<TRequest>(), MarshallerOf<TResponse>());
        context.AddUnaryMethod(method, [], (service, request, call) => Guard(name, async () =>
        {
            if (prepare is not null)
            {
                await prepare(request, call.CancellationToken).ConfigureAwait(false);
            }

            return await handler(service, request, call).ConfigureAwait(false);
        }, waitForCommit));
    }

    private Task Durable() => durable is null ? Task.CompletedTask : durable();

    private static Marshaller<T> MarshallerOf<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
    }

    // Turns unexpected exceptions into INTERNAL with the message: a bug must never take the server down
    // and must be visible to the caller.
    private async Task<T> Guard<T>(string name, Func<Task<T>> call, bool waitForCommit)
    {
        try
        {
            var response = await call().ConfigureAwait(false);
            if (waitForCommit)
            {
                await Durable().ConfigureAwait(false);
            }

            return response;
        }
        catch (RpcException) when (durable is null || !waitForCommit)
        {
            throw;
        }
        catch (RpcException)
        {
            // A rejection may follow a change (a failed workflow task is recorded): commit it first.
            await Durable().ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"{name} cancelled"));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or InvalidProtocolBufferException)
        {
            // A request the server cannot make sense of.
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{name}: {ex.Message}"));
        }
        catch (Exception ex)
        {
            // Anything else is a bug of ours, not of the caller: INTERNAL, with the message.
            throw new RpcException(new Status(StatusCode.Internal, $"{name}: {ex.GetType().Name}: {ex.Message}"));
        }
    }
}
