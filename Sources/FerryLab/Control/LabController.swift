import Foundation

/// What the control endpoint does to a running `Lab`: moves devices, switches faults,
/// reports status. Names are checked against what the lab has, and a refusal names
/// what there is, so that `ferry lab` can print it as is.
///
/// ```swift
/// let controller = LabController(lab: lab, directory: dir, scenario: "frigate-coral")
/// try await controller.moveDevice(.init(device: "coral", host: "still-fawn"))
/// try await controller.setFault(.init(name: "ssh-refused", on: true, target: "k3s-vm-pve"))
/// ```
public struct LabController: Sendable {
    public let lab: Lab
    public let directory: URL
    public let scenario: String

    public init(lab: Lab, directory: URL, scenario: String) {
        self.lab = lab
        self.directory = directory
        self.scenario = scenario
    }

    // MARK: Devices

    public func moveDevice(_ request: LabControlRequest.MoveDevice) async throws(LabControlError) -> LabControlRequest.Reply {
        let homelab = try requireHomelab()
        let names = await homelab.hardware.map(\.name)
        guard names.contains(request.device) else {
            throw .notFound("the lab has no device named '\(request.device)'; it has \(names.sorted().joined(separator: ", "))")
        }
        let hosts = homelab.hosts.map(\.name)
        guard hosts.contains(request.host) else {
            throw .notFound("the lab has no Proxmox host named '\(request.host)'; it has \(hosts.joined(separator: ", "))")
        }
        let from = await homelab.device(named: request.device)?.host
        do {
            try await homelab.moveDevice(request.device, toHost: request.host)
        } catch {
            throw .failed("moving \(request.device) to \(request.host) failed: \(error)")
        }
        guard let device = await homelab.device(named: request.device) else { throw .failed("\(request.device) vanished") }
        // A card is in: the person powers both hosts on again.
        if device.kind == .pci {
            for host in Set([from, request.host].compactMap { $0 }) { try? await homelab.powerOnHost(host) }
        }
        let place = device.usbPort.map { ", port \($0)" } ?? device.pciAddress.map { " at \($0)" } ?? ""
        let power = device.kind == .pci ? " (both hosts are powering on)" : ""
        return .init(
            message: "\(device.name) is now on \(request.host)\(place)\(power), showing \(device.identity.id); "
                + "a VM sees it once its config passes it and it starts or reboots")
    }

    // MARK: Faults

    public func setFault(_ request: LabControlRequest.Fault) async throws(LabControlError) -> LabControlRequest.Reply {
        guard let fault = LabControlFault(rawValue: request.name) else {
            throw .badRequest(
                "unknown fault '\(request.name)'; the lab has \(LabControlFault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try fault.check(on: request.on, target: request.target, value: request.value)
        let state = request.on ? "on" : "off"
        switch fault {
        case .sshRefused:
            guard let ssh = lab.ssh else { throw .conflict("this lab has no SSH endpoints (it has no homelab)") }
            let name = try sshEndpointName(request.target ?? "", in: ssh)
            do {
                try await ssh.setRefused(name, request.on)
            } catch {
                throw .failed("switching ssh-refused \(state) for \(name) failed: \(error)")
            }
            return .init(
                message: request.on
                    ? "ssh-refused is on for \(name): connections to port \(ssh.ports[name] ?? 0) are refused"
                    : "ssh-refused is off for \(name): it accepts connections again")
        case .guestAgentAbsent, .rebootHangs:
            let homelab = try requireHomelab()
            let vm = try await virtualMachine(request.target ?? "", in: homelab)
            let on = request.on
            await homelab.updateFaults { faults in
                let change: LabFaults.Fault = fault == .guestAgentAbsent ? .guestAgentAbsent(vmid: vm.vmid) : .rebootHangs(vmid: vm.vmid)
                if on { faults.insert(change) } else { faults.remove(change) }
            }
            return .init(message: "\(fault.rawValue) is \(state) for VM \(vm.vmid) (\(vm.name))")
        case .deviceMissing:
            let homelab = try requireHomelab()
            let names = await homelab.hardware.map(\.name)
            let device = request.target ?? ""
            guard names.contains(device) else {
                throw .notFound("the lab has no device named '\(device)'; it has \(names.sorted().joined(separator: ", "))")
            }
            let on = request.on
            await homelab.updateFaults {
                if on { $0.insert(.deviceMissing(name: device)) } else { $0.remove(.deviceMissing(name: device)) }
            }
            return .init(message: request.on ? "\(device) is unplugged" : "\(device) is plugged in again")
        case .apiErrors:
            let homelab = try requireHomelab()
            let rate = request.on ? request.value ?? fault.defaultValue ?? 0 : 0
            await homelab.updateFaults { $0.insert(.apiErrors(rate: rate)) }
            return .init(
                message: request.on
                    ? "api-errors is on: \(Self.percent(rate)) of Proxmox API requests answer 500"
                    : "api-errors is off")
        case .apiLatency:
            let homelab = try requireHomelab()
            let milliseconds = request.on ? request.value ?? fault.defaultValue ?? 0 : 0
            await homelab.updateFaults { $0.insert(.apiLatency(.milliseconds(milliseconds))) }
            return .init(
                message: request.on
                    ? "api-latency is on: Proxmox API, Kubernetes API and SSH answers wait \(Self.number(milliseconds)) ms" : "api-latency is off")
        case .pushRejected:
            let repository = try gitOpsRepository()
            do {
                try repository.setPushRejected(request.on ? GitOpsRepository.defaultPushRejection : nil)
            } catch {
                throw .failed("switching push-rejected \(state) failed: \(error)")
            }
            return .init(
                message: request.on
                    ? "push-rejected is on: \(repository.bareRepository.path) refuses every push"
                    : "push-rejected is off: pushes to \(repository.bareRepository.path) work again")
        }
    }

    // MARK: Lookups

    func requireHomelab() throws(LabControlError) -> Homelab {
        guard let homelab = lab.homelab else {
            throw .conflict("this lab has no Proxmox side (hosts, VMs, devices); start one with a homelab scenario")
        }
        return homelab
    }

    /// An SSH endpoint by its name; a Proxmox host's bare name is taken for its `.maas` name.
    func sshEndpointName(_ target: String, in ssh: LabSSH) throws(LabControlError) -> String {
        if ssh.endpoints[target] != nil { return target }
        if ssh.endpoints[LabSSH.hostName(target)] != nil { return LabSSH.hostName(target) }
        throw .notFound("the lab has no SSH endpoint named '\(target)'; it has \(ssh.endpoints.keys.sorted().joined(separator: ", "))")
    }

    /// A VM by name, Kubernetes node name or VMID.
    func virtualMachine(_ target: String, in homelab: Homelab) async throws(LabControlError) -> VirtualMachine {
        let machines = await homelab.virtualMachines
        if let vm = machines.first(where: { $0.name == target || $0.kubeNode == target || String($0.vmid) == target }) {
            return vm
        }
        throw .notFound(
            "the lab has no VM '\(target)'; it has \(machines.map { "\($0.vmid) (\($0.name))" }.joined(separator: ", "))")
    }

    /// The scenario's GitOps repository, `DIR/gitops.git` with its clone `DIR/gitops`.
    func gitOpsRepository() throws(LabControlError) -> GitOpsRepository {
        let repository = GitOpsRepository(
            bareRepository: directory.appendingPathComponent("gitops.git", isDirectory: true),
            workingCopy: directory.appendingPathComponent("gitops", isDirectory: true), branch: "main")
        guard FileManager.default.fileExists(atPath: repository.bareRepository.path) else {
            throw .conflict(
                "this lab has no GitOps repository (\(repository.bareRepository.path) does not exist); "
                    + "the frigate-coral scenario has one")
        }
        return repository
    }

    static func percent(_ rate: Double) -> String { number(rate * 100) + "%" }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
