import Foundation

/// Host power, as a PCIe card's move needs it: a host shut down through the API
/// (`POST /nodes/{node}/status command=shutdown`) stops its VMs, then powers off;
/// only a person brings it back (`powerOnHost`, the power button), and then its
/// `onboot: 1` VMs start, except one whose `hostpciN` card is gone (`missingCard`).
/// While a host is not on, its API paths answer 595 and SSH to it is refused.
public enum HostPower: String, Sendable {
    case on
    case shuttingDown = "shutting down"
    case off
    case booting
}

extension Homelab {
    public func hostPower(_ host: String) -> HostPower { hostPower[host] ?? .on }

    public func shutdownHost(_ host: String) async throws(HomelabError) {
        guard hosts.contains(where: { $0.name == host }) else { throw .noSuchNode(host) }
        guard hostPower(host) == .on else { throw .failure("host \(host) is \(hostPower(host).rawValue)") }
        hostPower[host] = .shuttingDown
        let guests = machines.values.filter { $0.host == host && $0.power == .running }.map(\.vmid)
        for vmid in guests { _ = try? await shutdown(vmid, node: host) }
        after(timing.vmShutdown + timing.vmShutdown) { homelab in await homelab.completeHostShutdown(host) }
    }

    /// The power button: the host boots, then starts its `onboot` VMs.
    public func powerOnHost(_ host: String) async throws(HomelabError) {
        guard hosts.contains(where: { $0.name == host }) else { throw .noSuchNode(host) }
        guard hostPower(host) == .off else { return }
        hostPower[host] = .booting
        after(timing.hostBoot) { homelab in await homelab.completeHostBoot(host) }
    }

    /// A person's move of a PCI card: once its host and `host` are both off, the card
    /// goes into `host`, and both are powered on.
    func carryCard(_ name: String, toHost host: String) async {
        guard let source = device(named: name)?.host, hosts.contains(where: { $0.name == host }) else { return }
        var tries = 0
        while tries < 500, hostPower(source) != .off || hostPower(host) != .off {
            tries += 1
            try? await Task.sleep(for: .milliseconds(20))
        }
        try? await moveDevice(name, toHost: host)
        for side in [source, host] { try? await powerOnHost(side) }
    }

    private func completeHostShutdown(_ host: String) async {
        for vm in machines.values where vm.host == host && vm.power == .running { _ = try? await stop(vm.vmid, node: host) }
        hostPower[host] = .off
        await syncAllNodes()
    }

    private func completeHostBoot(_ host: String) async {
        guard hostPower(host) == .booting else { return }
        hostPower[host] = .on
        for vm in machines.values.sorted(by: { $0.vmid < $1.vmid }) where vm.host == host && vm.power == .stopped && vm.config["onboot"] == "1" {
            _ = try? await start(vm.vmid, node: host)
        }
        await syncAllNodes()
    }
}
