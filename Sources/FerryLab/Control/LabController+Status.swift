import Foundation

extension LabController {
    /// The lab as it is now: hosts, VMs with their passthrough, devices, nodes' Ready
    /// status and every fault that is on.
    public func status() async -> LabStatus {
        var status = LabStatus(
            directory: directory.path, scenario: scenario, pid: getpid(), hosts: [], virtualMachines: [], devices: [],
            nodes: [], faults: [])
        if let homelab = lab.homelab {
            var hosts: [LabStatus.Host] = []
            for host in homelab.hosts {
                hosts.append(.init(name: host.name, ip: host.ip, ssh: LabSSH.hostName(host.name), power: await homelab.hostPower(host.name).rawValue))
            }
            status.hosts = hosts
            for vm in await homelab.virtualMachines {
                let keys = { (config: VMConfig?) in
                    (config?.values ?? [:]).filter { $0.key.hasPrefix("usb") || $0.key.hasPrefix("hostpci") }
                }
                let now = keys(vm.config)
                let booted = vm.bootedConfig.map { keys($0) } ?? now
                let pending = Set(now.keys).union(booted.keys).filter { now[$0] != booted[$0] }.sorted()
                status.virtualMachines.append(
                    .init(
                        vmid: vm.vmid, name: vm.name, host: vm.host, power: vm.power.rawValue, guest: vm.guest.rawValue,
                        passthrough: now, pendingPassthrough: pending,
                        devicesVisible: await homelab.devicesVisible(inVM: vm.vmid).map(\.name)))
            }
            let faults = await homelab.faults
            for device in await homelab.hardware {
                let missing = faults.missingDevices.contains(device.name)
                status.devices.append(
                    .init(
                        name: device.name, kind: device.kind.rawValue, host: missing ? nil : device.host, id: device.identity.id,
                        address: device.usbPort ?? device.pciAddress))
            }
            status.faults += faults.guestAgentAbsent.sorted().map { .init(name: LabControlFault.guestAgentAbsent.rawValue, target: String($0)) }
            status.faults += faults.rebootHangs.sorted().map { .init(name: LabControlFault.rebootHangs.rawValue, target: String($0)) }
            status.faults += faults.missingDevices.sorted().map { .init(name: LabControlFault.deviceMissing.rawValue, target: $0) }
            if faults.apiErrorRate > 0 { status.faults.append(.init(name: LabControlFault.apiErrors.rawValue, value: faults.apiErrorRate)) }
            if faults.apiLatency > .zero {
                let milliseconds = Double(faults.apiLatency.components.seconds) * 1000
                    + Double(faults.apiLatency.components.attoseconds) / 1e15
                status.faults.append(.init(name: LabControlFault.apiLatency.rawValue, value: milliseconds))
            }
        }
        if let ssh = lab.ssh {
            for (name, endpoint) in ssh.endpoints.sorted(by: { $0.key < $1.key }) where await endpoint.isRefused {
                status.faults.append(.init(name: LabControlFault.sshRefused.rawValue, target: name))
            }
        }
        if let repository = try? gitOpsRepository(), repository.pushRejected {
            status.faults.append(.init(name: LabControlFault.pushRejected.rawValue))
        }
        status.nodes = await lab.kube.store.list(ResourceCatalog.nodes).map {
            .init(name: $0.name, ready: $0.condition("Ready")?["status"].stringValue ?? "Unknown")
        }
        .sorted { $0.name < $1.name }
        return status
    }
}
