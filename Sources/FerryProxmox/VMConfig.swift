import FerryJSON
import Foundation

/// A VM's configuration as `GET /nodes/{node}/qemu/{vmid}/config` (or `qm config`)
/// returns it: every key kept as text, the passthrough entries parsed, and the
/// `digest` to send back with a change so that it fails instead of overwriting
/// someone else's edit.
///
/// ```swift
/// let config = try await client.vmConfig(node: "pumped-piglet", vmid: 105)
/// config.usb.map(\.selector)   // [.id(1a6e:089a), .id(18d1:9302)]
/// config.freeUSBKey            // "usb2"
/// ```
public struct VMConfig: Sendable, Equatable {
    /// Every key and its value as text (`usb0` -> `host=1a6e:089a,usb3=1`), `digest` excluded.
    public var values: [String: String]
    /// SHA-1 of the config file, as Proxmox returns it; nil when the source had none (`qm config`).
    public var digest: String?

    public init(values: [String: String], digest: String? = nil) {
        self.values = values
        self.digest = digest
    }

    /// The `data` of `GET .../config`: numbers and strings alike become text.
    public init(json: JSON) throws(ProxmoxError) {
        guard let object = json.objectValue else {
            throw .decoding("a VM config is a JSON object, not \(json.serialized.prefix(100))")
        }
        var values: [String: String] = [:]
        for (key, value) in object where key != "digest" {
            switch value {
            case .string(let text): values[key] = text
            case .int(let number): values[key] = String(number)
            case .double(let number): values[key] = String(number)
            case .bool(let flag): values[key] = flag ? "1" : "0"
            case .null: continue
            default: values[key] = value.serialized
            }
        }
        self.init(values: values, digest: object["digest"]?.stringValue)
    }

    /// The lines of `qm config` or `/etc/pve/qemu-server/VMID.conf` (`usb0: host=...`).
    /// Stops at the first snapshot section (`[name]`); skips comments.
    public init(lines: [String]) {
        var values: [String: String] = [:]
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") { break }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let colon = trimmed.firstIndex(of: ":") else { continue }
            values[String(trimmed[..<colon])] = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.init(values: values)
    }

    public subscript(key: String) -> String? { values[key] }

    /// `key: value` lines in key order, as `qm config` prints them.
    public var lines: [String] { values.keys.sorted().map { "\($0): \(values[$0]!)" } }

    public var name: String? { values["name"] }

    /// Whether the guest agent is enabled (`agent: 1`, `agent: enabled=1,...`).
    public var agentEnabled: Bool {
        guard let first = values["agent"]?.split(separator: ",").first else { return false }
        return first == "1" || first == "enabled=1"
    }

    /// The `usbN` entries, in index order.
    public var usb: [USBEntry] {
        indexed("usb").map { USBEntry(key: $0.key, index: $0.index, value: $0.value) }
    }

    /// The `hostpciN` entries, in index order.
    public var pci: [PCIEntry] {
        indexed("hostpci").map { PCIEntry(key: $0.key, index: $0.index, value: $0.value) }
    }

    /// The first `usbN` key not in use (Proxmox allows usb0 to usb13), or nil when all are.
    public var freeUSBKey: String? { free("usb", below: 14) }

    /// The first `hostpciN` key not in use (hostpci0 to hostpci15).
    public var freePCIKey: String? { free("hostpci", below: 16) }

    private func free(_ prefix: String, below limit: Int) -> String? {
        (0..<limit).map { "\(prefix)\($0)" }.first { values[$0] == nil }
    }

    private func indexed(_ prefix: String) -> [(key: String, index: Int, value: String)] {
        values.compactMap { key, value -> (key: String, index: Int, value: String)? in
            guard key.hasPrefix(prefix), let index = Int(key.dropFirst(prefix.count)), String(index) == key.dropFirst(prefix.count)
            else { return nil }
            return (key, index, value)
        }
        .sorted { $0.index < $1.index }
    }
}
