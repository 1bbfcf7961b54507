/// One `usbN` entry of a VM's config, as Proxmox writes it:
/// `host=1a6e:089a,usb3=1` (by id), `host=2-1,usb3=1` (by port) or `mapping=coral`.
public struct USBPassthrough: Sendable, Equatable {
    public enum Selector: Sendable, Equatable {
        /// `host=VENDOR:PRODUCT`
        case id(vendor: String, product: String)
        /// `host=BUS-PORT[.PORT...]`
        case port(String)
        /// `mapping=NAME`: a cluster resource mapping, resolved for the VM's host.
        case mapping(String)
        /// `host=spice`
        case spice
    }

    public var selector: Selector
    public var usb3: Bool

    /// Parses a `usbN` value; nil with a reason when Proxmox would reject it.
    public static func parse(_ value: String) -> Result<USBPassthrough, PassthroughFormatError> {
        var selector: Selector?
        var usb3 = false
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            let key = pair.count == 2 ? pair[0] : "host"
            let field = pair.count == 2 ? pair[1] : pair[0]
            switch key {
            case "host":
                if field == "spice" {
                    selector = .spice
                } else if let match = field.wholeMatch(of: /(?:0x)?([0-9a-fA-F]{4}):(?:0x)?([0-9a-fA-F]{4})/) {
                    selector = .id(vendor: match.1.lowercased(), product: match.2.lowercased())
                } else if field.wholeMatch(of: /\d+-\d+(\.\d+)*/) != nil {
                    selector = .port(field)
                } else {
                    return .failure(PassthroughFormatError(message: "invalid format - value does not look like a valid USB device"))
                }
            case "mapping": selector = .mapping(field)
            case "usb3": usb3 = ["1", "on", "yes", "true"].contains(field.lowercased())
            default: return .failure(PassthroughFormatError(message: "invalid format - format error\n\(key): property is not defined in schema and the schema does not allow additional properties"))
            }
        }
        guard let selector else {
            return .failure(PassthroughFormatError(message: "invalid format - format error\nhost: property is missing and it is not optional"))
        }
        return .success(USBPassthrough(selector: selector, usb3: usb3))
    }

    /// Whether a VM on `host` started with this entry gets `device` as it is now: by
    /// id only when the device currently shows that id; by port wherever it is
    /// plugged there; by the mapping's entry for `host` (its id or its path).
    public func matches(_ device: Device, host: String, mappings: [ResourceMappingSpec]) -> Bool {
        guard device.kind == .usb else { return false }
        switch selector {
        case .id(let vendor, let product): return device.identity.vendorID == vendor && device.identity.productID == product
        case .port(let port): return device.usbPort == port
        case .mapping(let name):
            guard let entry = mappings.first(where: { $0.kind == .usb && $0.name == name })?.entry(for: host) else { return false }
            if let path = entry["path"] { return device.usbPort == path }
            return entry["id"]?.lowercased() == device.identity.id
        case .spice: return false
        }
    }
}

/// One `hostpciN` entry: `0000:01:00.0,pcie=1`, `01:00.0`, `01:00` (all functions),
/// or `mapping=gpu` (the mapping's entry for the VM's host gives the address).
public struct PCIPassthrough: Sendable, Equatable {
    /// The address as written, normalized to have the `0000:` domain; nil for a mapping.
    public var address: String?
    public var mapping: String?
    public var pcie: Bool

    public static func parse(_ value: String) -> Result<PCIPassthrough, PassthroughFormatError> {
        var address: String?
        var mapping: String?
        var pcie = false
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            let key = pair.count == 2 ? pair[0] : "host"
            let field = pair.count == 2 ? pair[1] : pair[0]
            switch key {
            case "host": address = field.split(separator: ";").first.map(String.init)
            case "mapping": mapping = field
            case "pcie": pcie = field == "1"
            case "x-vga", "rombar", "romfile", "mdev", "legacy-igd", "device-id", "vendor-id", "sub-device-id", "sub-vendor-id":
                continue
            default: return .failure(PassthroughFormatError(message: "invalid format - format error\n\(key): property is not defined in schema and the schema does not allow additional properties"))
            }
        }
        if let mapping, address == nil { return .success(PCIPassthrough(mapping: mapping, pcie: pcie)) }
        guard let written = address, let normalized = normalize(written) else {
            return .failure(PassthroughFormatError(message: "invalid format - format error\nhost: invalid format - value does not look like a valid PCI device id"))
        }
        return .success(PCIPassthrough(address: normalized, pcie: pcie))
    }

    /// `01:00` -> `0000:01:00`; nil when it is not an address.
    static func normalize(_ address: String) -> String? {
        guard address.wholeMatch(of: /([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(\.[0-7])?/) != nil else { return nil }
        return (address.split(separator: ":").count == 2 ? "0000:" + address : address).lowercased()
    }

    /// Whether a VM on `host` started with this entry gets `device`: at its address
    /// (every function of the slot without `.N`), or by the mapping's entry for `host`.
    public func matches(_ device: Device, host: String, mappings: [ResourceMappingSpec]) -> Bool {
        guard device.kind == .pci, let deviceAddress = device.pciAddress?.lowercased() else { return false }
        var wanted = address
        if let mapping {
            let entry = mappings.first { $0.kind == .pci && $0.name == mapping }?.entry(for: host)
            wanted = entry?["path"].flatMap(Self.normalize)
        }
        guard let wanted else { return false }
        return wanted.contains(".") ? deviceAddress == wanted : deviceAddress.hasPrefix(wanted + ".")
    }
}

extension ResourceMappingSpec {
    /// The fields of `host`'s `map` line.
    func entry(for host: String) -> [String: String]? {
        for line in map {
            var fields: [String: String] = [:]
            for part in line.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { fields[pair[0]] = pair[1] }
            }
            if fields["node"] == host { return fields }
        }
        return nil
    }
}

/// Why a `usbN` or `hostpciN` value is not one Proxmox accepts, in its words.
public struct PassthroughFormatError: Error, Sendable, Equatable {
    public var message: String
}
