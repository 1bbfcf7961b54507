/// Retries an idempotent request on a transient failure (a server error, a 429, a
/// dropped connection) with capped exponential backoff. A homelab's Proxmox or K3s
/// API answers 500 or drops a connection now and then (a busy pveproxy, a K3s
/// restart); a migration that stops half-way for one such answer leaves the user to
/// resume by hand what a second try would have done.
///
/// Only for requests that are safe to repeat: reads, and writes that carry a version
/// the server checks (Kubernetes' resourceVersion, Proxmox's config digest), so a
/// repeat of one that did take effect is refused rather than applied twice.
public enum Retry {
    /// Tries `operation` up to `attempts` times while `transient` says its error may
    /// pass, waiting 100 ms, 200 ms, 400 ms... (at most `cap`) between tries. The
    /// last error is thrown; so is the error of a try during which the task was
    /// cancelled, without waiting.
    public static func idempotent<T, E: Error>(
        attempts: Int = 4, cap: Duration = .seconds(2), isolation: isolated (any Actor)? = #isolation, transient: (E) -> Bool,
        _ operation: () async throws(E) -> T
    ) async throws(E) -> T {
        var delay = Duration.milliseconds(100)
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let failure {
                guard attempt < attempts, transient(failure), !Task.isCancelled else { throw failure }
                do { try await Task.sleep(for: delay) } catch { throw failure }
                delay = min(delay * 2, cap)
                attempt += 1
            }
        }
    }
}
