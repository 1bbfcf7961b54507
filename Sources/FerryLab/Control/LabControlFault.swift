/// The faults `ferry lab fault NAME on|off` switches on a running lab, by the names
/// the CLI and the control endpoint use. Each maps onto the lab's own switch:
/// `LabFaults` in the homelab, `LabSSH.setRefused`, or the GitOps repository's
/// `pre-receive` hook.
///
/// ```sh
/// ferry lab fault ssh-refused on --target k3s-vm-pve --dir /tmp/lab
/// ferry lab fault api-errors on --value 0.5 --dir /tmp/lab
/// ```
public enum LabControlFault: String, Sendable, CaseIterable, Codable {
    /// An SSH endpoint stops listening (`Connection refused`). Target: an SSH name.
    case sshRefused = "ssh-refused"
    /// A VM's QEMU guest agent does not answer. Target: a VM (name or VMID).
    case guestAgentAbsent = "guest-agent-absent"
    /// A fraction of Proxmox API requests fail with HTTP 500. Value: the rate.
    case apiErrors = "api-errors"
    /// Every answer of the Proxmox API, the Kubernetes API and SSH is delayed. Value: milliseconds.
    case apiLatency = "api-latency"
    /// A VM's next reboot or start never finishes booting. Target: a VM.
    case rebootHangs = "reboot-hangs"
    /// The GitOps repository refuses every push.
    case pushRejected = "push-rejected"
    /// A device is unplugged: on no host, in no VM. Target: a device name.
    case deviceMissing = "device-missing"

    /// What `--target` names for this fault, or nil when it takes none.
    public var target: Target? {
        switch self {
        case .sshRefused: .sshEndpoint
        case .guestAgentAbsent, .rebootHangs: .virtualMachine
        case .deviceMissing: .device
        case .apiErrors, .apiLatency, .pushRejected: nil
        }
    }

    /// What a fault's `--target` names.
    public enum Target: String, Sendable {
        case sshEndpoint = "an SSH name (k3s-vm-pve, still-fawn.maas)"
        case virtualMachine = "a VM, by name or VMID (k3s-vm-still-fawn, 108)"
        case device = "a device (coral)"
    }

    /// The value used when switching on without `--value`: half of the requests
    /// fail; answers are delayed by a second.
    public var defaultValue: Double? {
        switch self {
        case .apiErrors: 0.5
        case .apiLatency: 1000
        default: nil
        }
    }

    /// Checks what can be checked without the lab: a target where one is needed and
    /// only there, a value only where one is taken and in range.
    public func check(on: Bool, target: String?, value: Double?) throws(LabControlError) {
        if let kind = self.target, target == nil {
            throw .badRequest("fault \(rawValue) needs --target: \(kind.rawValue)")
        }
        if self.target == nil, let target {
            throw .badRequest("fault \(rawValue) applies to the whole lab and takes no --target (got '\(target)')")
        }
        guard let value else { return }
        switch self {
        case .apiErrors where on:
            guard (0...1).contains(value) else {
                throw .badRequest("--value for api-errors is the fraction of requests that fail, between 0 and 1 (got \(value))")
            }
        case .apiLatency where on:
            guard value >= 0, value <= 600_000 else {
                throw .badRequest("--value for api-latency is milliseconds, between 0 and 600000 (got \(value))")
            }
        case .apiErrors, .apiLatency:
            throw .badRequest("fault \(rawValue) off takes no --value")
        default:
            throw .badRequest("fault \(rawValue) takes no --value; only api-errors (a rate) and api-latency (milliseconds) do")
        }
    }
}
