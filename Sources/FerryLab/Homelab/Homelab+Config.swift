import Foundation

/// Reading and changing VM configs with Proxmox's rules: unknown keys and malformed
/// `usbN` / `hostpciN` values are refused with per-parameter errors, a stale `digest`
/// fails the whole change, and on a running VM passthrough changes stay pending
/// until the next start or reboot (the file shows them at once), except `usbN`
/// changes in a VM that hot-plugs USB (`VMConfig.hotplugsUSB`), which take effect
/// at once.
extension Homelab {
    /// The config file (pending changes included), or with `current` what the running
    /// VM was started with.
    public func config(_ vmid: Int, node: String? = nil, current: Bool = false) throws(HomelabError) -> VMConfig {
        let vm = try machine(vmid, on: node)
        return current ? (vm.bootedConfig ?? vm.config) : vm.config
    }

    /// Sets and deletes config keys atomically. `digest`, when given, must be the
    /// current one. Returns the new config.
    @discardableResult
    public func updateConfig(
        _ vmid: Int, node: String? = nil, set changes: [String: String], delete: [String] = [], digest: String? = nil
    ) async throws(HomelabError) -> VMConfig {
        var vm = try machine(vmid, on: node)
        var errors: [String: String] = [:]
        for (key, value) in changes {
            if let problem = Self.problem(key: key, value: value) { errors[key] = problem }
        }
        for key in delete where Self.problem(key: key, value: nil) != nil {
            errors["delete"] = "invalid format - pve-configid-list: invalid configuration ID '\(key)'"
        }
        for key in delete where changes[key] != nil {
            errors[key] = "unable to delete '\(key)' - option is also set"
        }
        guard errors.isEmpty else { throw .parameters(errors) }
        if let digest, !digest.isEmpty, digest != vm.config.digest { throw .digestMismatch }
        for key in delete { vm.config[key] = nil }
        for (key, value) in changes { vm.config[key] = value }
        // A running VM that hot-plugs USB gets (and loses) the device at once, and its
        // node's /dev, labels and resources follow.
        var hotplugged = false
        if vm.power == .running, var booted = vm.bootedConfig, vm.config.hotplugsUSB {
            for key in delete where key.hasPrefix("usb") { booted[key] = nil }
            for (key, value) in changes where key.hasPrefix("usb") { booted[key] = value }
            hotplugged = booted != vm.bootedConfig
            vm.bootedConfig = booted
        }
        machines[vmid] = vm
        if hotplugged { await syncNode(vmid) }
        return vm.config
    }

    /// The changes that wait for the next start: `[(key, running value, pending value)]`,
    /// a nil pending value meaning a deletion.
    public func pendingChanges(_ vmid: Int, node: String? = nil) throws(HomelabError) -> [(key: String, value: String?, pending: String?)] {
        let vm = try machine(vmid, on: node)
        guard let booted = vm.bootedConfig else { return [] }
        let keys = Set(vm.config.values.keys).union(booted.values.keys).sorted()
        return keys.compactMap { key in
            booted[key] == vm.config[key] ? nil : (key, booted[key], vm.config[key])
        }
    }

    /// Why Proxmox's schema refuses `key` (and `value` when given), or nil.
    static func problem(key: String, value: String?) -> String? {
        let undefined = "property is not defined in schema and the schema does not allow additional properties"
        if key.wholeMatch(of: /usb(\d+)/).map({ Int($0.1)! < 14 }) == true {
            guard let value else { return nil }
            if case .failure(let error) = USBPassthrough.parse(value) { return error.message }
            return nil
        }
        if key.wholeMatch(of: /hostpci(\d+)/).map({ Int($0.1)! < 16 }) == true {
            guard let value else { return nil }
            if case .failure(let error) = PCIPassthrough.parse(value) { return error.message }
            return nil
        }
        let fixed: Set<String> = [
            "name", "memory", "cores", "sockets", "cpu", "agent", "smbios1", "onboot", "description", "boot", "ostype",
            "scsihw", "tags", "balloon", "numa", "vga", "machine", "bios", "vmgenid", "meta", "efidisk0", "tablet",
            "protection", "startup", "hotplug", "ciuser", "cipassword", "ipconfig0", "sshkeys", "nameserver", "searchdomain",
        ]
        if fixed.contains(key) || key.wholeMatch(of: /(net|scsi|virtio|sata|ide|serial|unused)\d+/) != nil { return nil }
        return undefined
    }
}
