import Foundation
import FerryJSON

/// A Proxmox worker task (`qmreboot`, `qmstart`, `qmconfig`...), named by its UPID:
/// `UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER:` with PID, PSTART and STARTTIME
/// as 8 uppercase hex digits.
public struct ProxmoxTask: Sendable {
    public enum Status: String, Sendable {
        case running, stopped
    }

    public let upid: String
    public let node: String
    public let type: String
    public let id: String
    public let user: String
    public let pid: Int
    public let pstart: Int
    public let startTime: Date
    public internal(set) var status: Status = .running
    /// `OK`, or the error that ended it; nil while running.
    public internal(set) var exitStatus: String?
    public internal(set) var endTime: Date?
    public internal(set) var log: [String] = []

    init(node: String, type: String, id: String, user: String, pid: Int, pstart: Int, startTime: Date) {
        self.node = node
        self.type = type
        self.id = id
        self.user = user
        self.pid = pid
        self.pstart = pstart
        self.startTime = startTime
        let start = Int(startTime.timeIntervalSince1970)
        upid = "UPID:\(node):\(Self.hex(pid)):\(Self.hex(pstart)):\(Self.hex(start)):\(type):\(id):\(user):"
    }

    /// `GET /nodes/{node}/tasks/{upid}/status`
    public var statusJSON: JSON {
        var object: JSON = [
            "upid": .string(upid), "node": .string(node), "type": .string(type), "id": .string(id), "user": .string(user),
            "pid": .int(Int64(pid)), "pstart": .int(Int64(pstart)), "starttime": .int(Int64(startTime.timeIntervalSince1970)),
            "status": .string(status.rawValue),
        ]
        if let exitStatus { object["exitstatus"] = .string(exitStatus) }
        return object
    }

    mutating func finish(_ exitStatus: String, at date: Date) {
        status = .stopped
        self.exitStatus = exitStatus
        endTime = date
        log.append(exitStatus == "OK" ? "TASK OK" : "TASK ERROR: \(exitStatus)")
    }

    static func hex(_ value: Int) -> String {
        let text = String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - text.count)) + text
    }

    /// The node a UPID names, or nil when `upid` is not one.
    static func node(of upid: String) -> String? {
        let parts = upid.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 9, parts[0] == "UPID" else { return nil }
        return String(parts[1])
    }
}
