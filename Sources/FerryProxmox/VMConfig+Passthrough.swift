import Foundation

extension VMConfig {
    /// One `usbN` entry: `host=1a6e:089a,usb3=1` (by id), `host=2-1` (by port),
    /// `mapping=coral` (a cluster resource mapping, what non-root tokens must use),
    /// or `host=spice`. Options ferry does not know are kept in `value`.
    public struct USBEntry: Sendable, Equatable {
        public enum Selector: Sendable, Equatable, CustomStringConvertible {
            /// `host=VENDOR:PRODUCT`, lowercase hex.
            case id(vendor: String, product: String)
            /// `host=BUS-PORT[.PORT...]`
            case port(String)
            /// `mapping=NAME`
            case mapping(String)
            case spice
            /// A value ferry cannot read; `value` has it.
            case unknown

            public var description: String {
                switch self {
                case .id(let vendor, let product): "\(vendor):\(product)"
                case .port(let port): "port \(port)"
                case .mapping(let name): "mapping \(name)"
                case .spice: "spice"
                case .unknown: "unknown"
                }
            }
        }

        public var key: String
        public var index: Int
        /// The line's value as Proxmox stores it.
        public var value: String
        public var selector: Selector
        public var usb3: Bool

        public init(key: String, index: Int, value: String) {
            self.key = key
            self.index = index
            self.value = value
            var selector = Selector.unknown
            var usb3 = false
            for part in value.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                let (name, field) = pair.count == 2 ? (pair[0], pair[1]) : ("host", pair[0])
                switch name {
                case "host": selector = Self.hostSelector(field)
                case "mapping": selector = .mapping(field)
                case "usb3": usb3 = ["1", "on", "yes", "true"].contains(field.lowercased())
                default: continue
                }
            }
            self.selector = selector
            self.usb3 = usb3
        }

        private static func hostSelector(_ field: String) -> Selector {
            if field == "spice" { return .spice }
            if let match = field.wholeMatch(of: /(?:0x)?([0-9a-fA-F]{4}):(?:0x)?([0-9a-fA-F]{4})/) {
                return .id(vendor: match.1.lowercased(), product: match.2.lowercased())
            }
            if field.wholeMatch(of: /\d+-\d+(\.\d+)*/) != nil { return .port(field) }
            return .unknown
        }

        /// The value to set for a device by id: `host=1a6e:089a,usb3=1`. The ids are
        /// checked to be four hex digits.
        public static func value(vendor: String, product: String, usb3: Bool) throws(ProxmoxError) -> String {
            try ProxmoxNames.checkUSBID(vendor)
            try ProxmoxNames.checkUSBID(product)
            return "host=\(vendor.lowercased()):\(product.lowercased())" + (usb3 ? ",usb3=1" : "")
        }

        /// The value for a port: `host=2-1.3,usb3=1`.
        public static func value(port: String, usb3: Bool) throws(ProxmoxError) -> String {
            guard port.wholeMatch(of: /\d+-\d+(\.\d+)*/) != nil else {
                throw .invalidName("'\(port)' is not a USB port path (BUS-PORT[.PORT...], as 2-1.3)")
            }
            return "host=\(port)" + (usb3 ? ",usb3=1" : "")
        }

        /// The value for a resource mapping: `mapping=coral,usb3=1`.
        public static func value(mapping: String, usb3: Bool) throws(ProxmoxError) -> String {
            guard mapping.wholeMatch(of: /[A-Za-z][A-Za-z0-9_\-]{0,127}/) != nil else {
                throw .invalidName("'\(mapping)' is not a Proxmox resource mapping name")
            }
            return "mapping=\(mapping)" + (usb3 ? ",usb3=1" : "")
        }

        /// Whether this entry passes a device with these ids (by id) or at this port.
        public func matches(vendor: String, product: String, port: String? = nil) -> Bool {
            switch selector {
            case .id(let v, let p): v == vendor.lowercased() && p == product.lowercased()
            case .port(let entryPort): entryPort == port
            default: false
            }
        }
    }

    /// One `hostpciN` entry: `0000:01:00.0,pcie=1`, `01:00` (all functions) or `mapping=gpu`.
    public struct PCIEntry: Sendable, Equatable {
        public var key: String
        public var index: Int
        public var value: String
        /// The PCI address with its domain (`0000:01:00.0`, or `0000:01:00` for all
        /// functions), lowercase; nil for a mapping or a value ferry cannot read.
        public var address: String?
        public var mapping: String?
        public var pcie: Bool
        public var primaryGPU: Bool

        public init(key: String, index: Int, value: String) {
            self.key = key
            self.index = index
            self.value = value
            var address: String?
            var mapping: String?
            var pcie = false
            var primaryGPU = false
            for part in value.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                let (name, field) = pair.count == 2 ? (pair[0], pair[1]) : ("host", pair[0])
                switch name {
                case "host":
                    let first = field.split(separator: ";").first.map(String.init) ?? field
                    if first.wholeMatch(of: /([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(\.[0-7])?/) != nil {
                        address = (first.split(separator: ":").count == 2 ? "0000:" + first : first).lowercased()
                    }
                case "mapping": mapping = field
                case "pcie": pcie = field == "1"
                case "x-vga": primaryGPU = field == "1"
                default: continue
                }
            }
            self.address = address
            self.mapping = mapping
            self.pcie = pcie
            self.primaryGPU = primaryGPU
        }
    }
}
