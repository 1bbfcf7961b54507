import FerryCore
import FerryKube
import FerryLab
import Foundation
import Testing

/// A GPU moves as its own kind of passthrough: found on the target host by its ids
/// (its address there is its own), alone in its IOMMU group, passed with a
/// `hostpciN` line, seen in the VM by `lspci -nn`. Carried between hosts, it powers
/// both off and back; with a card of the target host's own (`move: false`) nothing
/// is carried and the source VM keeps its card.
@Suite(.serialized) struct PCIMigrationTests {
    static func gpu(_ pci: MigrationPlan.PCI = .init(ids: ["10de:2204"], pcie: true)) -> MigrationPlan.Device {
        MigrationPlan.Device(name: "gpu", selector: .pci(pci), move: false)
    }

    @Test("a target host's own GPU is passed to the target VM at its address there, with no physical move")
    func ownCard() async throws {
        try await PreflightLab.with { lab in
            try await lab.homelab.install(.nvidiaGPU(name: "gpu-fawn", host: "still-fawn", address: "0000:02:00.0", iommuGroup: 31))
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            var gpu = Self.gpu()
            (gpu.resource, gpu.runtimeClass) = ("nvidia.com/gpu", "nvidia")
            plan.devices.append(gpu)
            // K3s finds NVIDIA's runtime when it starts: the install restarts it.
            plan.drivers.append(MigrationPlan.Driver(
                name: "nvidia", check: "nvidia-smi -L && dpkg -s nvidia-container-toolkit",
                install: "apt-get install -y nvidia-driver-550 nvidia-container-toolkit && systemctl restart k3s-agent"))

            let report = try await lab.check(plan)
            let row = try #require(report.results.first { $0.check == "device gpu" })
            #expect(row.status == .pass)
            #expect(report.results.first { $0.check == "runtime-class nvidia" }?.status != .fail, "\(report.table)")
            #expect(row.reason.hasPrefix("gpu (PCI 10de:2204) is on still-fawn: 0000:02:00.0 [10de:2204] NVIDIA Corporation"), "\(row.reason)")

            let (planFile, steps) = try lab.migration(plan)
            let ids = steps.map(\.id)
            #expect(!ids.contains("move-gpu") && !ids.contains("remove-passthrough-gpu"), "\(ids)")
            #expect(ids.contains("verify-host-gpu") && ids.contains("verify-vm-gpu"), "\(ids)")
            #expect(ids.contains("await-resource-gpu") && ids.contains("await-runtime-gpu"), "\(ids)")
            let add = try #require(steps.first { $0.id == "add-passthrough-gpu" })
            #expect(add.describe() == ["qm set 108 --hostpciN ADDRESS,pcie=1   (on still-fawn, N a free slot, ADDRESS where still-fawn has the card)"])

            let hands = LabHands(homelab: lab.homelab)
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: hands)
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            #expect(journal.status == .completed)
            let target = try #require(await lab.homelab.vm(108))
            #expect(target.config["hostpci1"] == "0000:02:00,pcie=1", "\(target.config.lines)")
            #expect(await lab.homelab.devicesVisible(inVM: 108).map(\.name).sorted() == ["coral", "gpu-fawn", "igpu"])
            let node = Node(json: try await lab.kube.get(.nodes, "k3s-vm-still-fawn"))
            #expect(node.runtimeHandlers.contains("nvidia"), "\(node.runtimeHandlers)")
            #expect(node.json["status"]["allocatable"]["nvidia.com/gpu"].stringValue == "1")
            // The source VM keeps its own card.
            #expect(await lab.homelab.vm(105)?.config["hostpci0"] == "0000:01:00.0,pcie=1")
            let after = try await Snapshot.take(lab, plan: plan)
            #expect(after.frigateReadyOn == "k3s-vm-still-fawn")
            #expect(after.tpuFound)
        }
    }

    @Test("a card that shares its IOMMU group with the host's own devices is refused before anything changes")
    func sharedGroup() async throws {
        try await PreflightLab.with { lab in
            try await lab.homelab.install(.nvidiaGPU(name: "gpu-fawn", host: "still-fawn", address: "0000:02:00.0", iommuGroup: 31))
            try await lab.homelab.install(.sataController(name: "sata", host: "still-fawn", address: "0000:03:00.0", iommuGroup: 31))
            var plan = try lab.referencePlan()
            plan.devices.append(Self.gpu())

            let report = try await lab.check(plan)
            let row = try #require(report.results.first { $0.check == "device gpu" })
            #expect(row.status == .fail)
            #expect(row.reason.contains("0000:02:00.0 shares IOMMU group 31 on still-fawn with 0000:03:00.0 [1022:43c8]"), "\(row.reason)")
            #expect(row.fix?.contains("find /sys/kernel/iommu_groups/") == true, "\(row.fix ?? "")")

            let config = await lab.homelab.vm(108)?.config.lines
            let (planFile, steps) = try lab.migration(plan)
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: LabHands(homelab: lab.homelab))
            let error = await #expect(throws: (any Error).self) {
                try await runner.run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("step preflight (Pre-flight checks) failed: device gpu:"))
            #expect(await lab.homelab.vm(108)?.config.lines == config, "VM 108 was not changed")
        }
    }

    @Test("a card passed by a resource mapping the target host has no entry in is refused with the fix")
    func mappingWithoutTarget() async throws {
        try await PreflightLab.with { lab in
            await lab.homelab.define(ResourceMappingSpec(kind: .pci, name: "rtx", map: ["node=pumped-piglet,path=0000:01:00.0,id=10de:2204,iommugroup=14"]))
            var plan = try lab.referencePlan()
            plan.devices.append(Self.gpu(.init(mapping: "rtx", pcie: true)))
            let report = try await lab.check(plan)
            let row = try #require(report.results.first { $0.check == "device gpu" })
            #expect(row.status == .fail)
            #expect(row.reason == "gpu (PCI mapping rtx) is not on still-fawn: resource mapping rtx has no entry for still-fawn", "\(row.reason)")
            #expect(row.fix?.hasPrefix("add still-fawn's card to rtx in Datacenter > Resource Mappings") == true, "\(row.fix ?? "")")
        }
    }

    @Test("a GPU carried to the target host powers both hosts off and back, and lands in the target VM at its new address")
    func carriedCard() async throws {
        try await PreflightLab.with { lab in
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            plan.devices.append(MigrationPlan.Device(name: "gpu", selector: .pci(.init(ids: ["10de:2204"], pcie: true))))

            let report = try await lab.check(plan)
            let power = try #require(report.results.first { $0.check == "power-off pumped-piglet still-fawn" })
            #expect(power.status == .warn)
            #expect(power.reason.hasPrefix("moving gpu powers off pumped-piglet and still-fawn: VM 105 (k3s-vm-pumped-piglet-gpu), VM 108 (k3s-vm-still-fawn) stop with them"),
                    "\(power.reason)")

            let (planFile, steps) = try lab.migration(plan)
            // What --dry-run prints for the card: the hosts' power, the move, the line.
            let described = steps.filter { $0.id.hasSuffix("-gpu") }.flatMap { $0.describe() }
            #expect(described.contains("qm set 105 --delete hostpciN   (on pumped-piglet: every hostpciN line that passes gpu (PCI 10de:2204))"), "\(described)")
            #expect(described.contains { $0.hasPrefix("ask, then shut down pumped-piglet and still-fawn (POST /nodes/HOST/status command=shutdown)") }, "\(described)")
            #expect(described.contains("qm set 108 --hostpciN ADDRESS,pcie=1   (on still-fawn, N a free slot, ADDRESS where still-fawn has the card)"), "\(described)")
            #expect(described.contains("lspci -nn in k3s-vm-still-fawn (SSH, else guest agent): expect gpu (PCI 10de:2204)"), "\(described)")
            let hands = LabHands(homelab: lab.homelab)
            let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: hands)
                .run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            #expect(journal.status == .completed)
            let notices = hands.events.compactMap { if case .notice("move-gpu", let message) = $0 { message } else { nil } }
            #expect(notices.first?.hasPrefix("Moving gpu (PCI 10de:2204) needs pumped-piglet and still-fawn powered off: VM 105 (k3s-vm-pumped-piglet-gpu), VM 108 (k3s-vm-still-fawn) stop with them") == true,
                    "\(notices)")
            #expect(await lab.homelab.hostPower("pumped-piglet") == .on)
            #expect(await lab.homelab.hostPower("still-fawn") == .on)
            // In still-fawn the card sits in the first free slot, not at its old address.
            #expect(await lab.homelab.device(named: "gpu")?.pciAddress == "0000:01:00.0")
            #expect(await lab.homelab.vm(108)?.config["hostpci1"] == "0000:01:00,pcie=1")
            #expect(await lab.homelab.vm(105)?.config["hostpci0"] == nil)
            #expect(await lab.homelab.devicesVisible(inVM: 108).map(\.name).sorted() == ["coral", "gpu", "igpu"])
            let after = try await Snapshot.take(lab, plan: plan)
            #expect(after.frigateReadyOn == "k3s-vm-still-fawn")
            #expect(after.tpuFound)
        }
    }

    @Test("a target host that does not come back stops the run, and rollback carries the card back and restores the source")
    func targetDoesNotComeBack() async throws {
        try await PreflightLab.with { lab in
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            plan.timeouts.deviceMove = try #require(PlanDuration(parsing: "3s"))
            plan.devices.append(MigrationPlan.Device(name: "gpu", selector: .pci(.init(ids: ["10de:2204"], pcie: true))))
            let (planFile, steps) = try lab.migration(plan)
            // The first time, the person moves the card but only pumped-piglet powers on.
            let hands = HalfHands(homelab: lab.homelab)
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: hands)
            let error = await #expect(throws: (any Error).self) {
                try await runner.run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("gpu (PCI 10de:2204) is not on still-fawn (waited 3s for it to appear)"), "\(error.map { "\($0)" } ?? "")")
            #expect(await lab.homelab.hostPower("still-fawn") == .off)

            let journal = try await runner.rollback(steps, migration: plan.name)
            #expect(journal.status == .rolledBack)
            #expect(await lab.homelab.hostPower("pumped-piglet") == .on)
            #expect(await lab.homelab.hostPower("still-fawn") == .on)
            #expect(await lab.homelab.device(named: "gpu")?.host == "pumped-piglet")
            let source = try #require(await lab.homelab.vm(105))
            #expect(source.config["hostpci0"] == "0000:01:00.0,pcie=1")
            #expect(await lab.homelab.devicesVisible(inVM: 105).map(\.name).sorted() == ["coral", "gpu"])
            let after = try await Snapshot.take(lab, plan: plan)
            #expect(after.frigateReadyOn == "k3s-vm-pumped-piglet-gpu")
        }
    }
}

/// The person at the card's move, the first time: the card goes into still-fawn,
/// but only pumped-piglet is powered on again. Every later move is done in full.
final class HalfHands: RunObserver, @unchecked Sendable {
    let homelab: Homelab
    private let lock = NSLock()
    private var gpuMoves = 0

    init(homelab: Homelab) { self.homelab = homelab }

    func event(_ event: RunEvent) {
        guard case .waiting(let step, let message) = event, step.hasPrefix("move-") else { return }
        let device = String(step.dropFirst("move-".count))
        guard let host = message.split(separator: " ").last.map(String.init), ["still-fawn", "pumped-piglet"].contains(host) else { return }
        let first = device == "gpu" && lock.withLock { defer { gpuMoves += 1 }; return gpuMoves == 0 }
        guard first else {
            homelab.moveDevice(device, toHost: host, after: .zero)
            return
        }
        Task {
            while true {
                let (source, target) = (await homelab.hostPower("pumped-piglet"), await homelab.hostPower("still-fawn"))
                if source == .off && target == .off { break }
                try? await Task.sleep(for: .milliseconds(20))
            }
            try? await homelab.moveDevice("gpu", toHost: "still-fawn")
            try? await homelab.powerOnHost("pumped-piglet")
        }
    }
}
