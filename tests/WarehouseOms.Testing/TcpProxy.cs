using System.Net;
using System.Net.Sockets;

namespace WarehouseOms.Testing;

/// <summary>
/// A TCP forwarder in front of a server (broker, database), private to one test: stopping it cuts the
/// connections through it and refuses new ones (an outage) without touching the shared server other tests use.
/// </summary>
public sealed class TcpProxy(string upstreamHost, int upstreamPort) : IAsyncDisposable
{
    private readonly List<TcpClient> _clients = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _acceptLoop;

    public int Port { get; private set; }

    public void Start()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _stop = new CancellationTokenSource();
        _acceptLoop = AcceptAsync(_listener, _stop.Token);
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener!.Stop();
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                try
                {
                    client.Client?.Close(timeout: 0); // reset, like a dead broker
                }
                catch (ObjectDisposedException)
                {
                }

                client.Dispose();
            }

            _clients.Clear();
        }

        try
        {
            await _acceptLoop!;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _stop = null;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient downstream;
            try
            {
                downstream = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(upstreamHost, upstreamPort, cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                downstream.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_gate)
            {
                _clients.Add(downstream);
                _clients.Add(upstream);
            }

            _ = PumpAsync(downstream.GetStream(), upstream.GetStream(), downstream, upstream, cancellationToken);
            _ = PumpAsync(upstream.GetStream(), downstream.GetStream(), upstream, downstream, cancellationToken);
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, TcpClient a, TcpClient b, CancellationToken cancellationToken)
    {
        try
        {
            await from.CopyToAsync(to, cancellationToken);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
