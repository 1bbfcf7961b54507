import FerryJSON

/// Proxmox's answers are loosely typed: an integer may come as a number or as a
/// string (`"vmid": "108"`), a flag as `1` or `true`. These read either.
extension JSON {
    var proxmoxInt: Int? {
        if let number = intValue { return Int(number) }
        if let text = stringValue { return Int(text) }
        return nil
    }

    var proxmoxString: String? {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        default: nil
        }
    }

    var proxmoxFlag: Bool {
        switch self {
        case .bool(let flag): flag
        case .int(let number): number != 0
        case .string(let text): ["1", "true", "yes", "on"].contains(text.lowercased())
        default: false
        }
    }
}
