import FerryJSON

/// Where a VM lives in the cluster: its node, name and power state, from
/// `GET /cluster/resources?type=vm`.
public struct VMLocation: Sendable, Equatable {
    public var vmid: Int
    public var node: String
    public var name: String
    /// `running`, `stopped`...
    public var status: String

    public init(vmid: Int, node: String, name: String, status: String) {
        self.vmid = vmid
        self.node = node
        self.name = name
        self.status = status
    }

    /// One `qemu` entry of the cluster resources; nil for other types.
    init?(json: JSON) {
        guard json["type"].stringValue == "qemu" || json["type"].isNull, let vmid = json["vmid"].proxmoxInt,
            let node = json["node"].stringValue
        else { return nil }
        self.init(vmid: vmid, node: node, name: json["name"].stringValue ?? "", status: json["status"].stringValue ?? "unknown")
    }
}

/// `GET /nodes/{node}/qemu/{vmid}/status/current`: the power state as Proxmox sees
/// it (`running` from the moment QEMU runs, before the guest has booted).
public struct VMStatus: Sendable, Equatable {
    public var vmid: Int
    public var name: String?
    /// `running` or `stopped`.
    public var status: String
    /// QEMU's own state: `running`, `paused`, `prelaunch`...
    public var qmpStatus: String?
    public var uptimeSeconds: Int
    /// Whether `agent: 1` is set (not whether the agent answers: ping for that).
    public var agentEnabled: Bool

    public init(vmid: Int, name: String?, status: String, qmpStatus: String?, uptimeSeconds: Int, agentEnabled: Bool) {
        self.vmid = vmid
        self.name = name
        self.status = status
        self.qmpStatus = qmpStatus
        self.uptimeSeconds = uptimeSeconds
        self.agentEnabled = agentEnabled
    }

    public init(json: JSON, vmid: Int) throws(ProxmoxError) {
        guard let status = json["status"].stringValue else {
            throw .decoding("the status of VM \(vmid) has no 'status': \(json.serialized.prefix(200))")
        }
        self.init(
            vmid: json["vmid"].proxmoxInt ?? vmid, name: json["name"].stringValue, status: status,
            qmpStatus: json["qmpstatus"].stringValue, uptimeSeconds: json["uptime"].proxmoxInt ?? 0,
            agentEnabled: json["agent"].proxmoxFlag)
    }

    public var isRunning: Bool { status == "running" }
}

/// A worker task's state, from `GET /nodes/{node}/tasks/{upid}/status`.
public struct ProxmoxTaskStatus: Sendable, Equatable {
    public var upid: String
    /// `running` or `stopped`.
    public var status: String
    /// `OK`, or the error that ended the task (nil while it runs). Proxmox also
    /// writes `WARNINGS: N` for a task that succeeded with warnings.
    public var exitStatus: String?
    public var type: String?

    public init(upid: String, status: String, exitStatus: String?, type: String? = nil) {
        self.upid = upid
        self.status = status
        self.exitStatus = exitStatus
        self.type = type
    }

    public init(json: JSON, upid: String) throws(ProxmoxError) {
        guard let status = json["status"].stringValue else {
            throw .decoding("the status of task \(upid) has no 'status': \(json.serialized.prefix(200))")
        }
        self.init(upid: upid, status: status, exitStatus: json["exitstatus"].stringValue, type: json["type"].stringValue)
    }

    public var isRunning: Bool { status == "running" }
    public var succeeded: Bool { !isRunning && (exitStatus == "OK" || exitStatus?.hasPrefix("WARNINGS") == true) }
}
