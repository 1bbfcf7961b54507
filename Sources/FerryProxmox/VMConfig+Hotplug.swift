/// Whether Proxmox hot-plugs a `usbN` change into a running VM, by the rules of
/// qemu-server (`qm.conf(5)`, `hotplug`): USB must be among the VM's hotplug
/// features (`network,disk,usb` by default), its machine version 7.1 or later (an
/// unversioned `q35`/`pc` is the latest), and its OS type Linux 2.6+ (`l26`) or
/// Windows 8 or later. Otherwise the change waits for the VM's next start.
///
/// It is what ferry expects, for the plan and `ferry check`; what it does is
/// decided by what Proxmox did (`vmConfig(current:)` after the change).
public enum USBHotplug: Sendable, Equatable {
    case yes
    /// Why not, and the `qm set` that would allow it (nil when none would).
    case no(reason: String, fix: String?)
}

extension VMConfig {
    /// The hotplug features when the option is unset or `1`.
    static let defaultHotplug = ["network", "disk", "usb"]

    /// See `USBHotplug`. `vmid` only names the VM in the fix.
    public func usbHotplug(vmid: Int) -> USBHotplug {
        let features = hotplugFeatures
        guard features.contains("usb") else {
            let value = values["hotplug"] ?? ""
            let with = features + ["usb"]
            return .no(
                reason: "its hotplug option (\(value)) lacks usb",
                fix: "qm set \(vmid) --hotplug \(with.joined(separator: ","))")
        }
        if let (major, minor) = machineVersion, (major, minor) < (7, 1) {
            return .no(
                reason: "its machine type is pinned to version \(major).\(minor), and USB hot-plug needs 7.1 or later",
                fix: "qm set \(vmid) --machine \(values["machine"]?.contains("q35") == true ? "q35" : "pc") (takes effect at its next reboot)")
        }
        let ostype = values["ostype"] ?? "other"
        guard ["l26", "win8", "win10", "win11"].contains(ostype) else {
            return .no(
                reason: "its OS type is \(ostype), and Proxmox hot-plugs USB only into Linux 2.6+ (l26) and Windows 8 or later",
                fix: ostype == "other" || ostype == "l24" ? "qm set \(vmid) --ostype l26 (if it runs a current Linux)" : nil)
        }
        return .yes
    }

    /// `hotplug`: `0` is none, unset or `1` the default, else the listed features.
    var hotplugFeatures: [String] {
        guard let value = values["hotplug"] else { return Self.defaultHotplug }
        switch value {
        case "0": return []
        case "1": return Self.defaultHotplug
        default: return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The version a `machine` value pins (`pc-q35-6.2+pve1`, `type=pc-i440fx-8.1,viommu=intel`
    /// -> 6.2, 8.1); nil when it pins none (`q35`, `pc`, unset: the latest).
    var machineVersion: (Int, Int)? {
        guard let match = values["machine"]?.firstMatch(of: /(?:pc|q35|i440fx)-(\d+)\.(\d+)/),
              let major = Int(match.1), let minor = Int(match.2)
        else { return nil }
        return (major, minor)
    }
}
