import Foundation
import FerryJSON

/// The JSON shapes of Proxmox's answers, field names and types as Proxmox VE 8
/// returns them.
enum ProxmoxViews {
    /// `GET .../config`: every key, numbers where Proxmox's schema has integers, and the digest.
    static func config(_ config: VMConfig) -> JSON {
        let integers: Set<String> = ["cores", "sockets", "onboot", "numa", "balloon", "tablet", "protection"]
        var object: [String: JSON] = ["digest": .string(config.digest)]
        for (key, value) in config.values {
            object[key] = integers.contains(key) ? Int64(value).map { .int($0) } ?? .string(value) : .string(value)
        }
        return .object(object)
    }

    /// `GET .../pending`: every key with its running value and, when it changes at
    /// the next start, `pending` (or `delete: 1`).
    static func pending(_ config: VMConfig, _ changes: [(key: String, value: String?, pending: String?)]) -> JSON {
        var entries: [String: JSON] = [:]
        for (key, value) in config.values { entries[key] = ["key": .string(key), "value": .string(value)] }
        for change in changes {
            var entry: JSON = ["key": .string(change.key)]
            if let value = change.value { entry["value"] = .string(value) }
            if let pending = change.pending { entry["pending"] = .string(pending) } else { entry["delete"] = 1 }
            entries[change.key] = entry
        }
        return .array(entries.keys.sorted().map { entries[$0]! })
    }

    static func status(_ vm: VirtualMachine, now: Date = Date()) -> JSON {
        let maxmem = Int64(vm.config.memoryMiB) * 1_048_576
        var object: JSON = [
            "vmid": .int(Int64(vm.vmid)), "name": .string(vm.name), "status": .string(vm.power.rawValue),
            "qmpstatus": .string(vm.qmpStatus), "uptime": .int(Int64(vm.uptime(now: now))),
            "cpus": .int(Int64(vm.config.cores)), "maxmem": .int(maxmem), "maxdisk": .int(214_748_364_800),
            "mem": .int(vm.power == .running ? maxmem / 3 : 0), "disk": 0, "cpu": .double(vm.power == .running ? 0.021 : 0),
            "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0, "ha": ["managed": 0],
        ]
        if vm.config.agentEnabled { object["agent"] = 1 }
        if vm.power == .running {
            object["pid"] = .int(Int64(vm.pid ?? 0))
            object["running-machine"] = "pc-i440fx-9.0+pve0"
            object["running-qemu"] = "9.0.2"
        }
        return object
    }

    static func vmListEntry(_ vm: VirtualMachine) -> JSON {
        var entry = status(vm)
        for key in ["qmpstatus", "ha", "running-machine", "running-qemu", "agent"] { entry.removeValue(forKey: key) }
        return entry
    }

    static func clusterVM(_ vm: VirtualMachine) -> JSON {
        var entry = vmListEntry(vm)
        entry["id"] = .string("qemu/\(vm.vmid)")
        entry["type"] = "qemu"
        entry["node"] = .string(vm.host)
        entry["template"] = 0
        entry["maxcpu"] = .int(Int64(vm.config.cores))
        entry.removeValue(forKey: "cpus")
        entry.removeValue(forKey: "pid")
        return entry
    }

    static func node(_ host: HostSpec) -> JSON {
        [
            "id": .string("node/\(host.name)"), "type": "node", "node": .string(host.name), "status": "online",
            "maxcpu": .int(Int64(host.cpus)), "maxmem": .int(Int64(host.memoryGiB) << 30), "mem": .int(Int64(host.memoryGiB) << 28),
            "cpu": 0.04, "uptime": 2_592_000, "level": "", "maxdisk": 1_000_204_886_016, "disk": 120_000_000_000,
        ]
    }

    /// `GET /nodes/{node}/hardware/usb`: the root hubs, then the plugged devices.
    static func usb(_ devices: [Device]) -> [JSON] {
        var entries: [JSON] = [
            ["busnum": 1, "devnum": 1, "level": 0, "port": 0, "class": 9, "vendid": "1d6b", "prodid": "0002",
             "speed": "480", "manufacturer": "Linux 6.8.12-4-pve xhci-hcd", "product": "xHCI Host Controller"],
            ["busnum": 2, "devnum": 1, "level": 0, "port": 0, "class": 9, "vendid": "1d6b", "prodid": "0003",
             "speed": "5000", "manufacturer": "Linux 6.8.12-4-pve xhci-hcd", "product": "xHCI Host Controller"],
        ]
        for device in devices where device.kind == .usb {
            let path = device.usbPath
            var entry: JSON = [
                "busnum": .int(Int64(device.busnum)), "devnum": .int(Int64(device.devnum)),
                "level": .int(Int64(path.split(separator: ".").count)),
                "port": .int(Int64(path.split(separator: ".").last.flatMap { Int($0) } ?? 0)),
                "usbpath": .string(path), "class": .int(Int64(device.deviceClass)), "speed": .string(device.speed),
                "vendid": .string(device.identity.vendorID), "prodid": .string(device.identity.productID),
                "manufacturer": .string(device.identity.vendorName),
            ]
            if !device.identity.productName.isEmpty { entry["product"] = .string(device.identity.productName) }
            entries.append(entry)
        }
        return entries
    }

    /// `GET /nodes/{node}/hardware/pci`
    static func pci(_ devices: [Device]) -> [JSON] {
        devices.filter { $0.kind == .pci }.map { device in
            [
                "id": .string(device.pciAddress ?? ""), "class": .string(String(format: "0x%06x", device.deviceClass)),
                "vendor": .string("0x" + device.identity.vendorID), "device": .string("0x" + device.identity.productID),
                "vendor_name": .string(device.identity.vendorName), "device_name": .string(device.identity.productName),
                "subsystem_vendor": .string("0x" + device.identity.vendorID), "subsystem_device": "0x0000",
                "iommugroup": .int(Int64(device.iommuGroup)), "mdev": false,
            ]
        }
    }

    /// `GET .../agent/exec-status`: `exited` 0 while running; then the exit code and
    /// the output (only the streams that printed something).
    static func execStatus(_ result: CommandResult?) -> JSON {
        guard let result else { return ["exited": 0] }
        var object: JSON = ["exited": 1, "exitcode": .int(Int64(result.exitCode))]
        if !result.stdout.isEmpty { object["out-data"] = .string(result.stdout) }
        if !result.stderr.isEmpty { object["err-data"] = .string(result.stderr) }
        return object
    }
}
