import FerryJSON

/// A cluster resource mapping (Datacenter > Resource Mappings): one name for a
/// device, with an entry per host saying where that host has it. A VM line
/// `mapping=NAME` takes the entry of the host it runs on; a host without one
/// cannot start it. Non-root API tokens may only pass devices this way.
public struct ResourceMapping: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case usb, pci
    }

    /// One host's entry: `node=still-fawn,path=0000:01:00.0,id=10de:2484,iommugroup=14`.
    public struct Entry: Sendable, Equatable {
        public var node: String
        /// USB `VENDOR:PRODUCT`, PCI `VENDOR:DEVICE`.
        public var id: String?
        /// USB port path (`2-1`) or PCI address (`0000:01:00.0`, or the slot for all functions).
        public var path: String?
        public var subsystemID: String?
        public var iommuGroup: Int?

        /// Parses one `map` line; nil without `node=`.
        public init?(line: String) {
            var fields: [String: String] = [:]
            for part in line.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { String($0) }
                if pair.count == 2 { fields[pair[0]] = pair[1] }
            }
            guard let node = fields["node"] else { return nil }
            self.node = node
            id = fields["id"]?.lowercased()
            path = fields["path"]?.lowercased()
            subsystemID = fields["subsystem-id"]?.lowercased()
            iommuGroup = fields["iommugroup"].flatMap { Int($0) }
        }
    }

    public var kind: Kind
    public var name: String
    public var entries: [Entry]

    public init(kind: Kind, name: String, entries: [Entry]) {
        self.kind = kind
        self.name = name
        self.entries = entries
    }

    public func entry(for node: String) -> Entry? { entries.first { $0.node == node } }
}

extension ProxmoxClient {
    /// The mapping `name` of `kind` (`GET /cluster/mapping/{usb|pci}/{name}`).
    public func mapping(_ kind: ResourceMapping.Kind, _ name: String) async throws(ProxmoxError) -> ResourceMapping {
        guard name.wholeMatch(of: /[A-Za-z][A-Za-z0-9_\-]{0,127}/) != nil else {
            throw .invalidName("'\(name)' is not a Proxmox resource mapping name")
        }
        do throws(ProxmoxError) {
            let data = try await transport.get("/cluster/mapping/\(kind.rawValue)/\(name)")
            let lines = data["map"].arrayValue?.compactMap(\.stringValue) ?? []
            return ResourceMapping(kind: kind, name: name, entries: lines.compactMap(ResourceMapping.Entry.init(line:)))
        } catch {
            throw error.during("cannot read the \(kind.rawValue.uppercased()) resource mapping \(name)")
        }
    }
}
