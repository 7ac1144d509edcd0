namespace Archive.Data.Evidence;

/// <summary>PostgreSQL NOTIFY channels between the web app and the worker (their one contract besides the tables). Payloads are evidence run ids.</summary>
public static class EvidenceChannels
{
    /// <summary>The web app notifies after queueing a run, so the worker starts at once.</summary>
    public const string Requested = "evidence_requested";

    /// <summary>The worker notifies when a run finishes, so open pages refresh.</summary>
    public const string Finished = "evidence_finished";

    /// <summary>The worker notifies when it leases a run and at each step, so the run's live view follows without polling.</summary>
    public const string Progress = "evidence_progress";

    /// <summary>The web app notifies when someone cancels a running run, so its worker stops without waiting for a heartbeat.</summary>
    public const string Cancel = "evidence_cancel";
}
