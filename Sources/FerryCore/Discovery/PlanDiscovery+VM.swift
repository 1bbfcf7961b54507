import FerryKube
import FerryProxmox
import Foundation

/// A node's VM and why ferry believes it is that node.
struct VMMatch: Sendable {
    var endpoint: MigrationPlan.Endpoint
    var basis: String
}

extension PlanDiscovery {
    /// The Proxmox VM that is `node`: by name (the VM named like the node, or like its
    /// `kubernetes.io/hostname`), else by the node's `systemUUID`, which the kubelet reads
    /// from the SMBIOS table that Proxmox fills from the VM's `smbios1: uuid=`.
    func endpoint(for node: Node, among vms: [VMLocation]) async throws -> VMMatch {
        for (name, what) in [(node.name, "the node name"), (node.hostnameLabel, "the node's kubernetes.io/hostname label")] {
            let named = vms.filter { $0.name == name }
            if named.count == 1 {
                return VMMatch(endpoint: Self.endpoint(node, named[0]), basis: "VM \(named[0].vmid) on \(named[0].node): VM name matches \(what)")
            }
            if named.count > 1 { break }  // several VMs of that name: only the UUID can tell them apart
        }
        var unreadable: [String] = []
        if let uuid = node.systemUUID, !uuid.isEmpty {
            for vm in vms {
                let config: VMConfig
                do {
                    config = try await proxmox.vmConfig(node: vm.node, vmid: vm.vmid)
                } catch {
                    unreadable.append("VM \(vm.vmid): \(error)")
                    continue
                }
                if let smbios = config["smbios1"].flatMap(SMBIOS.uuid(in:)), SMBIOS.same(smbios, uuid) {
                    return VMMatch(
                        endpoint: Self.endpoint(node, vm),
                        basis: "VM \(vm.vmid) (\(vm.name)) on \(vm.node): its smbios1 uuid is the node's systemUUID \(uuid.lowercased())")
                }
            }
        }
        let listed = vms.map { "\($0.vmid) \($0.name) on \($0.node)" }.joined(separator: ", ")
        var message = "no Proxmox VM is node \(node.name): no VM is named \(node.name)"
        if node.hostnameLabel != node.name { message += " or \(node.hostnameLabel)" }
        message += node.systemUUID.map { " and none has the node's systemUUID \($0) as its smbios1 uuid" } ?? " and the node reports no systemUUID"
        message += " (the VMs: \(listed.isEmpty ? "none" : listed))"
        if !unreadable.isEmpty { message += "; some configs could not be read: \(unreadable.joined(separator: "; "))" }
        message += ". Name the VM like the node (`qm set VMID --name \(node.name)`), or check that the kubeconfig and PROXMOX_VE_ENDPOINT belong to the same homelab"
        throw DiscoveryError(.noVM, message)
    }

    private static func endpoint(_ node: Node, _ vm: VMLocation) -> MigrationPlan.Endpoint {
        MigrationPlan.Endpoint(node: node.name, vm: vm.name, vmid: vm.vmid, host: vm.node)
    }
}

/// The SMBIOS UUID as Proxmox stores it (`smbios1: uuid=...,manufacturer=...`) and as
/// the guest reports it (`/sys/class/dmi/id/product_uuid`, the node's `systemUUID`).
enum SMBIOS {
    static func uuid(in value: String) -> String? {
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "uuid" {
                return pair[1].trimmingCharacters(in: .whitespaces).lowercased()
            }
        }
        return nil
    }

    /// Equal ignoring case, or equal once the first three groups are byte-swapped:
    /// SMBIOS 2.6 stores them little-endian, and some firmware and kernels disagree
    /// about which order to print.
    static func same(_ a: String, _ b: String) -> Bool {
        let (a, b) = (a.lowercased(), b.lowercased())
        return a == b || swapped(a) == b
    }

    private static func swapped(_ uuid: String) -> String? {
        let groups = uuid.split(separator: "-").map(String.init)
        guard groups.count == 5, groups[0].count == 8, groups[1].count == 4, groups[2].count == 4 else { return nil }
        let reverse = { (hex: String) -> String in
            stride(from: hex.count, to: 0, by: -2).map { end -> String in
                let start = hex.index(hex.startIndex, offsetBy: end - 2)
                return String(hex[start..<hex.index(start, offsetBy: 2)])
            }.joined()
        }
        return ([reverse(groups[0]), reverse(groups[1]), reverse(groups[2])] + groups[3...]).joined(separator: "-")
    }
}
