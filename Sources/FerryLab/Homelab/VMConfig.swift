import Crypto
import Foundation

/// A VM's configuration as Proxmox keeps it in `/etc/pve/qemu-server/VMID.conf`:
/// `key: value` lines, written in key order, and a `digest` (SHA-1 of the file) that
/// a writer can send back to fail instead of overwriting someone else's change.
public struct VMConfig: Sendable, Equatable {
    public private(set) var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// Parses the file's lines (`usb0: host=1a6e:089a,usb3=1`); blank and `#` lines are skipped.
    public init(lines: [String]) {
        var values: [String: String] = [:]
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon])
            values[key] = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.values = values
    }

    public subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// The file as Proxmox writes it.
    public var text: String {
        values.keys.sorted().map { "\($0): \(values[$0]!)\n" }.joined()
    }

    public var lines: [String] { values.keys.sorted().map { "\($0): \(values[$0]!)" } }

    /// SHA-1 of `text`, lowercase hex, as `GET .../config` returns it.
    public var digest: String {
        Insecure.SHA1.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The `usbN` entries in index order, with the ones that do not parse left out.
    public var usbEntries: [(key: String, passthrough: USBPassthrough)] {
        indexed("usb").compactMap { key, value in
            (try? USBPassthrough.parse(value).get()).map { (key, $0) }
        }
    }

    /// The `hostpciN` entries in index order.
    public var pciEntries: [(key: String, passthrough: PCIPassthrough)] {
        indexed("hostpci").compactMap { key, value in
            (try? PCIPassthrough.parse(value).get()).map { (key, $0) }
        }
    }

    /// Whether qemu-server hot-plugs `usbN` changes into this VM while it runs: USB
    /// among its `hotplug` features (unset or `1`: network,disk,usb), a machine
    /// version of 7.1 or later (unversioned is the latest), OS type l26 or Windows 8+.
    public var hotplugsUSB: Bool {
        let features: [Substring] = switch values["hotplug"] {
        case nil, "1": ["network", "disk", "usb"]
        case "0": []
        case let value?: value.split(separator: ",")
        }
        guard features.contains("usb") else { return false }
        if let pinned = values["machine"]?.firstMatch(of: /(?:pc|q35|i440fx)-(\d+)\.(\d+)/),
           let major = Int(pinned.1), let minor = Int(pinned.2), (major, minor) < (7, 1) {
            return false
        }
        return ["l26", "win8", "win10", "win11"].contains(values["ostype"] ?? "other")
    }

    /// Whether the guest agent is enabled (`agent: 1` or `agent: enabled=1,...`).
    public var agentEnabled: Bool {
        guard let agent = values["agent"] else { return false }
        let first = agent.split(separator: ",").first.map(String.init) ?? ""
        return first == "1" || first == "enabled=1"
    }

    /// Memory in MiB (`memory: 8192` or `memory: current=8192`).
    public var memoryMiB: Int {
        let text = values["memory"]?.replacingOccurrences(of: "current=", with: "") ?? "512"
        return Int(text.split(separator: ",").first ?? "512") ?? 512
    }

    public var cores: Int { Int(values["cores"] ?? "1") ?? 1 }

    private func indexed(_ prefix: String) -> [(String, String)] {
        values.compactMap { key, value -> (Int, String, String)? in
            guard key.hasPrefix(prefix), let index = Int(key.dropFirst(prefix.count)) else { return nil }
            return (index, key, value)
        }
        .sorted { $0.0 < $1.0 }
        .map { ($0.1, $0.2) }
    }
}
