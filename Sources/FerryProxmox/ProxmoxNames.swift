/// Checks on every name that ends up in an API path or on a host's command line,
/// made before anything is sent: a node name is a DNS label, a VMID a number in
/// Proxmox's range, a USB id four hex digits, a UPID Proxmox's task id format.
public enum ProxmoxNames {
    /// Proxmox's VMID range.
    public static let vmidRange = 100...999_999_999

    /// A node name: a DNS label (letters, digits, `-`, not at either end, 1-63 characters).
    public static func checkNode(_ node: String) throws(ProxmoxError) {
        guard !node.isEmpty, node.count <= 63, node.first != "-", node.last != "-",
            node.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") })
        else {
            throw .invalidName("'\(node)' is not a Proxmox node name (a DNS label: letters, digits and '-', at most 63)")
        }
    }

    public static func checkVMID(_ vmid: Int) throws(ProxmoxError) {
        guard vmidRange.contains(vmid) else {
            throw .invalidName("\(vmid) is not a Proxmox VMID (\(vmidRange.lowerBound) to \(vmidRange.upperBound))")
        }
    }

    /// Four hex digits, as in `1a6e` of `1a6e:089a`.
    public static func checkUSBID(_ id: String) throws(ProxmoxError) {
        guard id.count == 4, id.allSatisfy(\.isHexDigit) else {
            throw .invalidName("'\(id)' is not a USB vendor or product id (four hex digits, as 1a6e)")
        }
    }

    /// `UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER:` for a task on `node`.
    public static func checkUPID(_ upid: String, node: String) throws(ProxmoxError) {
        let parts = upid.split(separator: ":", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@!=")
        guard parts.count >= 9, parts[0] == "UPID", upid.allSatisfy({ allowed.contains($0) }) else {
            throw .invalidName("'\(upid)' is not a Proxmox task id (UPID:NODE:...)")
        }
        guard parts[1] == node else {
            throw .invalidName("the task \(upid) belongs to node \(parts[1]), not \(node)")
        }
    }
}
