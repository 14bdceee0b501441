using System.Runtime.InteropServices;

namespace WarehouseOms.TemporalDevServer;

/// <summary>Resets SIGINT and SIGQUIT to their default action when the process inherited them ignored.</summary>
internal static class InheritedSignals
{
    private const int SigInt = 2;
    private const int SigQuit = 3;

    // SIG_DFL and SIG_IGN as the C library defines them.
    private static readonly IntPtr Default = IntPtr.Zero;
    private static readonly IntPtr Ignore = new(1);

    public static void Unignore()
    {
        foreach (var signal in new[] { SigInt, SigQuit })
        {
            // signal() answers the previous handler: put back an ignore we did not find, keep the default we did.
            var previous = SetHandler(signal, Default);
            if (previous != Ignore)
            {
                SetHandler(signal, previous);
            }
        }
    }

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr SetHandler(int signal, IntPtr handler);
}
