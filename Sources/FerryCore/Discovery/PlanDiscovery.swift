import FerryKube
import FerryProxmox
import FerryRemote
import Foundation

/// `ferry plan`: works out a migration plan from the live systems, so that the user
/// is asked nothing the cluster, Proxmox or the GitOps clone can answer.
///
/// Every value comes with a note saying what it was based on (the pod that runs on
/// the node, the VM whose name matches, the PV's node affinity...), written as comments
/// in the plan, because a plan is something a person reviews and commits. Discovery
/// only reads: nothing is changed anywhere.
///
/// ```swift
/// let connections = try Connections.open(settings)
/// let discovered = try await PlanDiscovery(connections: connections)
///     .discover(PlanRequest(namespace: "frigate", name: "frigate", targetNode: "k3s-vm-still-fawn", repo: clone))
/// print(discovered.yaml)
/// ```
public struct PlanDiscovery: Sendable {
    let connections: Connections
    var kube: KubeClient { connections.kube }
    var proxmox: ProxmoxClient { connections.proxmox }

    public init(connections: Connections) {
        self.connections = connections
    }

    public func discover(_ request: PlanRequest) async throws -> DiscoveredPlan {
        var notes = PlanNotes()
        notes.add(
            "Discovered by `ferry plan \(request.namespace)/\(request.name) --to \(request.targetNode)` from the cluster, "
                + "Proxmox VE and the GitOps clone;\nthe comments below say what each value is based on.",
            at: .header)

        let workload = try await findWorkload(namespace: request.namespace, name: request.name)
        notes.add("\(workload.kind.rawValue) \(workload.reference) exists in the cluster.", at: .section("workload"))
        let nodes = try await reading("the cluster's nodes") { try await kube.list(Node.self) }
        let (sourceNode, sourceBasis) = try sourceNode(of: workload, nodes: nodes)
        let targetNode = try targetNode(request.targetNode, source: sourceNode, workload: workload, nodes: nodes)

        let vms = try await reading("the VMs of the Proxmox cluster") { try await proxmox.virtualMachines() }
        let source = try await endpoint(for: sourceNode, among: vms)
        let target = try await endpoint(for: targetNode, among: vms)
        notes.add(sourceBasis, at: .section("source"))
        notes.add(source.basis, at: .section("source"))
        notes.add("the node given with --to.", at: .section("target"))
        notes.add(target.basis, at: .section("target"))

        let sourceConfig = try await reading("the config of VM \(source.endpoint.vmid) on \(source.endpoint.host)") {
            try await proxmox.vmConfig(node: source.endpoint.host, vmid: source.endpoint.vmid)
        }
        // The hosts' PCI cards, to find a GPU of the target host's own; without them
        // the GPU stays (the notes say so).
        var cards: (source: [HostPCIDevice], target: [HostPCIDevice])?
        if !sourceConfig.pci.isEmpty {
            cards = try? await (proxmox.pciDevices(node: source.endpoint.host), proxmox.pciDevices(node: target.endpoint.host))
        }
        let devices = DeviceDiscovery.devices(
            template: workload.podTemplate, config: sourceConfig, vm: source.endpoint, sourceAllocatable: sourceNode.allocatable,
            target: target.endpoint, cards: cards)
        devices.sectionNotes.forEach { notes.add($0, at: .section("devices")) }
        for (index, lines) in devices.itemNotes.enumerated() { lines.forEach { notes.add($0, at: .item("devices", index)) } }

        if !devices.devices.isEmpty, let reboot = try await rebootNote(target.endpoint, devices: devices.devices) {
            notes.add(reboot, at: .section("target"))
        }

        let label = NodeLabelDiscovery.label(template: workload.podTemplate, source: sourceNode, target: targetNode)
        label.notes.forEach { notes.add($0, at: .section("nodeLabel")) }

        let volumes = try await volumes(of: workload, targetNode: targetNode)
        volumes.sectionNotes.forEach { notes.add($0, at: .section("volumes")) }
        for (index, note) in volumes.itemNotes.enumerated() { notes.add(note, at: .item("volumes", index)) }

        let gitops = try await gitops(of: workload, request: request, notes: &notes)
        let changes = try await manifestChanges(
            workload: workload, gitops: gitops, source: sourceNode, target: targetNode, targetEndpoint: target.endpoint,
            followingDevices: Set(devices.devices.compactMap(\.resource)), followingRuntimeClasses: Set(devices.devices.compactMap(\.runtimeClass)))
        changes.sectionNotes.forEach { notes.add($0, at: .section("manifestChanges")) }
        for (index, note) in changes.itemNotes.enumerated() { notes.add(note, at: .item("manifestChanges", index)) }
        for (index, note) in changes.liveNotes.enumerated() { notes.add(note, at: .item("liveChanges", index)) }

        let checks = try await verification(of: workload, hardware: devices.hardware)
        checks.sectionNotes.forEach { notes.add($0, at: .section("verify")) }
        for (index, note) in checks.itemNotes.enumerated() { notes.add(note, at: .item("verify", index)) }
        var drivers: [MigrationPlan.Driver] = []
        for hardware in devices.hardware {
            guard let driver = hardware.driver else { continue }
            notes.add("the \(hardware.title) needs \(driver.name) in the VM (from ferry's table of known hardware).", at: .item("drivers", drivers.count))
            drivers.append(driver)
        }

        var plan = MigrationPlan(
            name: Self.planName(workload: request.name, source: source.endpoint, target: target.endpoint),
            workload: MigrationPlan.Workload(namespace: request.namespace, kind: workload.kind, name: request.name),
            source: source.endpoint, target: target.endpoint, devices: devices.devices, nodeLabel: label.label,
            volumes: volumes.volumes, gitops: gitops?.gitops, manifestChanges: changes.changes, liveChanges: changes.liveChanges, drivers: drivers,
            verify: checks.checks)

        let cronJobs = try await cronJobs(of: workload, plan: plan, source: sourceNode, target: targetNode, gitops: gitops)
        plan.cronJobs = cronJobs.cronJobs
        cronJobs.sectionNotes.forEach { notes.add($0, at: .section("cronJobs")) }
        for (index, lines) in cronJobs.itemNotes.enumerated() { lines.forEach { notes.add($0, at: .item("cronJobs", index)) } }
        for (change, note) in cronJobs.changes {
            notes.add(note, at: .item("manifestChanges", plan.manifestChanges.count))
            plan.manifestChanges.append(change)
            if plan.gitops?.files.contains(change.file) == false { plan.gitops?.files.append(change.file) }
        }
        for (change, note) in cronJobs.liveChanges {
            notes.add(note, at: .item("liveChanges", plan.liveChanges.count))
            plan.liveChanges.append(change)
        }
        return DiscoveredPlan(plan: plan, notes: notes)
    }

    /// Whether the target VM takes the devices without a reboot (Proxmox hot-plugs
    /// USB into it) and, when it reboots, why, what would avoid it, and the pods on
    /// its node that the reboot interrupts; nil when it reboots and nothing runs there.
    func rebootNote(_ target: MigrationPlan.Endpoint, devices: [MigrationPlan.Device]) async throws -> String? {
        var why = ""
        if devices.allSatisfy(\.isUSB), let config = try? await proxmox.vmConfig(node: target.host, vmid: target.vmid) {
            switch config.usbHotplug(vmid: target.vmid) {
            case .yes:
                return "VM \(target.vmid) hot-plugs USB (its hotplug option, machine and OS type allow it): it takes the device "
                    + "without a reboot, and the pods on \(target.node) keep running."
            case .no(let reason, let fix):
                why = " (\(reason)\(fix.map { "; `\($0)` would avoid the reboot" } ?? ""))"
            }
        }
        let interruption = try await reading("the pods on \(target.node)") { try await RebootInterruption.read(node: target.node, kube: kube) }
        guard let pods = interruption.named else { return why.isEmpty ? nil : "The target VM reboots to take the device\(why)." }
        return "The target VM reboots to take the device\(why): \(pods) are interrupted while it does."
    }

    /// `frigate-piglet-to-fawn`: the workload and the last words of the two hosts'
    /// names, which tell homelab hosts apart; the full names when those are equal.
    static func planName(workload: String, source: MigrationPlan.Endpoint, target: MigrationPlan.Endpoint) -> String {
        let short = { (host: String) in host.split(separator: "-").last.map(String.init) ?? host }
        var (from, to) = (short(source.host), short(target.host))
        if from == to { (from, to) = (source.host, target.host) }
        if from == to { (from, to) = (source.node, target.node) }
        let name = "\(workload)-\(from)-to-\(to)"
        return name.count <= 253 ? name : String(name.prefix(253)).trimmingCharacters(in: CharacterSet(charactersIn: "-."))
    }
}

/// What `ferry plan` is asked: the workload and the node to move it to, and where the
/// GitOps clone is when it is not the current directory.
public struct PlanRequest: Sendable {
    public var namespace: String
    public var name: String
    public var targetNode: String
    /// `--repo`: the local clone of the GitOps repository; nil means the working directory.
    public var repo: URL?
    public var workingDirectory: URL

    public init(
        namespace: String, name: String, targetNode: String, repo: URL? = nil,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    ) {
        self.namespace = namespace
        self.name = name
        self.targetNode = targetNode
        self.repo = repo
        self.workingDirectory = workingDirectory
    }
}

/// A discovered plan and the notes that say what each value is based on.
public struct DiscoveredPlan: Sendable {
    public var plan: MigrationPlan
    public var notes: PlanNotes

    /// The plan file, with the notes as comments.
    public var yaml: String { plan.yaml(notes: notes) }
}
