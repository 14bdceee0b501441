namespace WarehouseOms.Temporal;

/// <summary>
/// Temporal did not answer (network, server down, deadline; <see cref="TemporalFault.Unavailable"/>).
/// Transient: consumers retry it with backoff, the HTTP API answers 503.
/// </summary>
public sealed class TemporalUnavailableException(string message, Exception innerException)
    : Exception(message, innerException);
