/// The faults switched on in the homelab, settable at any time through
/// `Homelab.setFaults` / `Homelab.updateFaults` (by a test, or by the user through
/// the CLI). Each is off by default.
///
/// ```swift
/// await homelab.updateFaults { $0.guestAgentAbsent.insert(108) }
/// ```
public struct LabFaults: Sendable, Equatable {
    /// VMs whose QEMU guest agent does not answer (the service is not running in the
    /// guest): `agent/*` calls fail with "QEMU guest agent is not running".
    public var guestAgentAbsent: Set<Int> = []
    /// VMs that, once rebooted or started, never finish booting: they stay "running"
    /// for Proxmox, but the agent never answers and the K8s node never becomes Ready.
    public var rebootHangs: Set<Int> = []
    /// The fraction (0...1) of authenticated Proxmox API requests that fail with HTTP 500.
    /// Deterministic: with 0.5, every second request fails.
    public var apiErrorRate: Double = 0
    /// Added before every answer of the lab's endpoints: the Proxmox API, the
    /// Kubernetes API and each SSH command (a slow link to the whole homelab).
    public var apiLatency: Duration = .zero
    /// Devices (by lab name) that are unplugged: on no host, visible in no VM.
    public var missingDevices: Set<String> = []

    public init(
        guestAgentAbsent: Set<Int> = [], rebootHangs: Set<Int> = [], apiErrorRate: Double = 0, apiLatency: Duration = .zero,
        missingDevices: Set<String> = []
    ) {
        self.guestAgentAbsent = guestAgentAbsent
        self.rebootHangs = rebootHangs
        self.apiErrorRate = apiErrorRate
        self.apiLatency = apiLatency
        self.missingDevices = missingDevices
    }

    /// The individual faults, for code that switches one at a time (the CLI).
    public enum Fault: Sendable, Equatable {
        case guestAgentAbsent(vmid: Int)
        case rebootHangs(vmid: Int)
        case apiErrors(rate: Double)
        case apiLatency(Duration)
        case deviceMissing(name: String)
    }

    /// Switches `fault` on.
    public mutating func insert(_ fault: Fault) {
        switch fault {
        case .guestAgentAbsent(let vmid): guestAgentAbsent.insert(vmid)
        case .rebootHangs(let vmid): rebootHangs.insert(vmid)
        case .apiErrors(let rate): apiErrorRate = min(max(rate, 0), 1)
        case .apiLatency(let duration): apiLatency = duration
        case .deviceMissing(let name): missingDevices.insert(name)
        }
    }

    /// Switches `fault` off.
    public mutating func remove(_ fault: Fault) {
        switch fault {
        case .guestAgentAbsent(let vmid): guestAgentAbsent.remove(vmid)
        case .rebootHangs(let vmid): rebootHangs.remove(vmid)
        case .apiErrors: apiErrorRate = 0
        case .apiLatency: apiLatency = .zero
        case .deviceMissing(let name): missingDevices.remove(name)
        }
    }
}
