import FerryJSON

/// Power actions and the worker tasks that carry them out. Each action returns the
/// task's UPID at once; `waitForTask` polls the task's status until it stopped.
///
/// ```swift
/// let upid = try await client.reboot(node: "still-fawn", vmid: 108)
/// try await client.waitForTask(node: "still-fawn", upid: upid, timeout: .seconds(300))
/// ```
/// A reboot task ends when QEMU has restarted, before the guest has booted: wait
/// for the guest agent (`agentPing`) or SSH after it.
extension ProxmoxClient {
    public func start(node: String, vmid: Int) async throws(ProxmoxError) -> String {
        try await power("start", node: node, vmid: vmid)
    }

    /// Hard stop (pulls the plug); prefer `shutdown`.
    public func stop(node: String, vmid: Int) async throws(ProxmoxError) -> String {
        try await power("stop", node: node, vmid: vmid)
    }

    /// ACPI shutdown through the guest.
    public func shutdown(node: String, vmid: Int) async throws(ProxmoxError) -> String {
        try await power("shutdown", node: node, vmid: vmid)
    }

    /// Shutdown and start: pending passthrough changes take effect.
    public func reboot(node: String, vmid: Int) async throws(ProxmoxError) -> String {
        try await power("reboot", node: node, vmid: vmid)
    }

    private func power(_ action: String, node: String, vmid: Int) async throws(ProxmoxError) -> String {
        try check(node, vmid)
        do throws(ProxmoxError) {
            let data = try await transport.post("/nodes/\(node)/qemu/\(vmid)/status/\(action)", parameters: [])
            guard let upid = data.stringValue, upid.hasPrefix("UPID:") else {
                throw ProxmoxError.decoding("expected a task id (UPID), got \(data.serialized.prefix(100))")
            }
            return upid
        } catch {
            throw error.during("cannot \(action) VM \(vmid) on \(node)")
        }
    }

    /// The task's current state.
    public func taskStatus(node: String, upid: String) async throws(ProxmoxError) -> ProxmoxTaskStatus {
        try ProxmoxNames.checkNode(node)
        try ProxmoxNames.checkUPID(upid, node: node)
        do {
            return try ProxmoxTaskStatus(json: try await transport.get("/nodes/\(node)/tasks/\(upid)/status"), upid: upid)
        } catch {
            throw error.during("cannot read the status of task \(upid)")
        }
    }

    /// Polls the task until it stopped. Throws `.taskFailed` with Proxmox's exit
    /// status when it ended in an error, `.timeout` when it still runs after `timeout`.
    @discardableResult
    public func waitForTask(node: String, upid: String, timeout: Duration) async throws(ProxmoxError) -> ProxmoxTaskStatus {
        let finished = try await poll(timeout: timeout) { () async throws(ProxmoxError) -> ProxmoxTaskStatus? in
            let status = try await taskStatus(node: node, upid: upid)
            return status.isRunning ? nil : status
        }
        let what = Self.describeTask(upid)
        guard let finished else {
            throw .timeout("\(what) on \(node) is still running after \(timeout): look at it in the task log (\(upid))")
        }
        guard finished.succeeded else {
            throw ProxmoxError(
                code: .taskFailed, description: "\(what) on \(node) failed: \(finished.exitStatus ?? "no exit status")",
                message: finished.exitStatus)
        }
        return finished
    }

    /// `qmreboot of VM 108` from the UPID's type and id.
    static func describeTask(_ upid: String) -> String {
        let parts = upid.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7 else { return "task \(upid)" }
        return "task \(parts[5]) of VM \(parts[6])"
    }

    /// Calls `probe` until it returns a value, or returns nil once `timeout` has
    /// passed on `clock`. The first polls come quickly (10 ms, doubling up to
    /// `pollInterval`): most guest commands end within tens of milliseconds and a
    /// fixed interval would add up to a whole interval to each, while a long task
    /// (a reboot, a backup) is soon asked no more often than `pollInterval`.
    func poll<T>(timeout: Duration, _ probe: () async throws(ProxmoxError) -> T?) async throws(ProxmoxError) -> T? {
        try await Self.poll(clock: clock, interval: pollInterval, timeout: timeout, probe)
    }

    static let firstPoll = Duration.milliseconds(10)

    private static func poll<C: Clock, T>(
        clock: C, interval: Duration, timeout: Duration, _ probe: () async throws(ProxmoxError) -> T?
    ) async throws(ProxmoxError) -> T? where C.Duration == Duration {
        let deadline = clock.now.advanced(by: timeout)
        var wait = min(firstPoll, interval)
        while true {
            if let value = try await probe() { return value }
            let now = clock.now
            guard now < deadline else { return nil }
            let next = now.advanced(by: wait)
            wait = min(wait * 2, interval)
            do {
                try await clock.sleep(until: next < deadline ? next : deadline, tolerance: nil)
            } catch {
                throw .timeout("the wait was cancelled")
            }
        }
    }
}
