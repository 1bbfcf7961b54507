import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// `ferry rollback` after a migration stopped at a step boundary: whatever was done,
/// the workload ends Ready on the source node with the Coral and its data, and Git,
/// Flux, the labels and the VMs are as before the run.
///
/// A run is stopped after step k the way a failure stops it: step k+1 fails in its
/// `inspect`, so the journal holds k steps done (and what the volumes' lane did
/// meanwhile) and one failed that changed nothing, and rollback undoes them all (the
/// failed one must be safe to undo unapplied).
///
/// Every step boundary would be ~24 lab runs; these seven cover every distinct undo
/// path, because a rollback from a boundary runs the undo of every step before it,
/// and the boundaries left out add no undo that behaves differently:
/// - after preflight and the driver's preinstall: nothing to undo (a driver stays
///   installed). After retain-volumes and the pre-copies: their
///   undos run (with the workload up) in every later case; scale-down is the first
///   boundary where the workload is down.
/// - after remove-passthrough: its undo (lines back, source VM rebooted with the
///   Coral still there) runs the same way after unlabel-source, which adds the label.
/// - after verify-host and add-passthrough: no-op / config lines removed; the same
///   lines are removed after reboot-target, where the target VM also holds the Coral.
/// - after verify-vm and the driver: no-op undos, covered by label-target.
/// - the volumes' lane (final copy, then switch) and the GitOps commit's run from the
///   scale-down beside the device's steps up to resume-flux (`StepLane`): after
///   scale-down the volumes' first step is the one that fails; the scenario's target
///   reboots, so after reboot-target both volume steps are done (the reboot waited
///   for them), and the switch's undo copies both claims back. After label-target,
///   resume-flux fails, which waits for every lane: the commit is pushed, and its
///   undo reverts it.
/// - after resume-flux, wait-ready, verify: Flux has applied the edited manifests and
///   Frigate ran on the target (it may have written there); the completed run covers
///   that (its extra steps have no-op undos).
@Suite(.serialized) struct RollbackTests {
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let target = "k3s-vm-still-fawn"
    static let claims = ["frigate-config", "frigate-media"]

    /// The last step done before the stop; nil for a completed run.
    static let boundaries: [String?] = [
        "suspend-flux", "scale-down", "unlabel-source", "move-coral", "reboot-target", "label-target", nil,
    ]

    @Test("rollback ends with Frigate Ready on pumped-piglet, the Coral and the data back", arguments: boundaries)
    func rollbackAfter(_ last: String?) async throws {
        try await Self.migrateAndRollBack(after: last)
    }

    /// A rollback killed after an undo changed the world but before the journal said
    /// so runs that undo again: every undo of a completed migration, run twice in a
    /// row, still ends with everything back.
    @Test("every undo is safe to run twice")
    func everyUndoTwice() async throws {
        try await Self.migrateAndRollBack(after: nil, undoTwice: true)
    }

    /// `ferry cleanup` after a completed move deletes the originals on the source: a
    /// rollback then would send Git, the labels and the Coral back and leave Frigate
    /// without its data. It is refused before its first change, saying what is left.
    @Test("rollback after ferry cleanup deleted the originals changes nothing and says what can still be done")
    func rollbackAfterCleanup() async throws {
        try await PreflightLab.with { lab in
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            let (planFile, steps) = try lab.migration(plan)
            let hands = LabHands(homelab: lab.homelab)
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: hands)
            let journal = try await runner.run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
            try #require(journal.status == .completed)
            let cleanup = VolumeCleanup(kube: lab.kube)
            let originals = try await cleanup.leftovers(journal)
            #expect(originals.map(\.claim).sorted() == Self.claims)
            for original in originals { try await cleanup.delete(original) }
            let moved = try await Snapshot.take(lab, plan: plan)
            let events = hands.events.count

            await #expect {
                try await runner.rollback(steps, migration: plan.name)
            } throws: { error in
                let text = "\(error)"
                return text.contains("cannot bring everything back, so it changed nothing")
                    && Self.claims.allSatisfy { text.contains("of claim frigate/\($0) is gone") }
                    && text.contains("keep frigate on \(Self.target)")
            }
            let after = try await Snapshot.take(lab, plan: plan)
            #expect(try JournalStore.beside(plan: planFile).load(plan.name).status == .completed)
            #expect(hands.events.count == events, "no step started: \(hands.events.dropFirst(events))")
            #expect(after.frigateReadyOn == Self.target)
            #expect(after.targetLabel == "usb" && after.sourceLabel == nil)
            #expect(after.tree == moved.tree, "Git is as the run left it")
            #expect(after.coralHost == moved.coralHost)
        }
    }

    static func migrateAndRollBack(after last: String?, undoTwice: Bool = false) async throws {
        try await PreflightLab.with { lab in
            let planFile = lab.directory.appendingPathComponent("migration.yaml")
            var plan = try lab.referencePlan()
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            try Data(plan.yaml.utf8).write(to: planFile)
            var before = try await Snapshot.take(lab, plan: plan)
            try #require(before.frigateReadyOn == Self.source && before.tpuFound && before.volumeNode == Self.source, "the lab starts as the scenario says")

            let environment = MigrationEnvironment(plan: plan, planFile: planFile, connections: lab.connections, pollInterval: .milliseconds(50))
            let steps = MigrationSteps.make(environment)
            let hands = LabHands(homelab: lab.homelab)
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: hands)
            let stopped = try Self.stopping(steps, after: last)
            do {
                let journal = try await runner.run(stopped, migration: plan.name, plan: planFile.path, planText: plan.yaml)
                #expect(last == nil, "the run went past \(last ?? "")")
                #expect(journal.status == .completed)
            } catch {
                guard last != nil else {
                    Issue.record("the run failed: \(error); steps: \(hands.finished)")
                    return
                }
                #expect("\(error)".contains("the test stops the run here"), "\(error)")
            }
            let ran = hands.events.count
            if let last {
                let next = steps[try #require(steps.firstIndex { $0.id == last }) + 1].id
                // Steps of the other lane may end after it; nothing else fails.
                #expect(hands.finished.filter { $0.1 == .failed }.map(\.0) == [next], "\(hands.finished)")
                #expect(hands.finished.contains { $0 == (last, .done) }, "\(hands.finished)")
            } else {
                // Frigate ran on the copy and recorded a clip there: rollback brings it back.
                let onTarget = try await lab.volumeFiles(claims: ["frigate-media"])
                #expect(onTarget.node == Self.target)
                let clip = Data("a clip recorded on still-fawn\n".utf8)
                try clip.write(to: try #require(onTarget.directories["frigate-media"]).appendingPathComponent("recorded-on-target.mp4"))
                let key = try #require(try lab.filesOnDisk(onTarget.directories).keys.first { $0.hasSuffix("/recorded-on-target.mp4") })
                before.files[key] = clip
            }

            let clock = ContinuousClock()
            let began = clock.now
            let journal: Journal
            do {
                journal = try await runner.rollback(undoTwice ? steps.map(UndoTwice.init) : steps, migration: plan.name)
            } catch {
                // What holds a claim or a step shows in the pods left.
                let pods = try await lab.kube.list(.pods, namespace: "frigate").items.map(Pod.init(json:))
                let left = pods.map { "\($0.name) \($0.phase) on \($0.nodeName ?? "no node")" }
                Issue.record("the rollback after \(last ?? "completion") failed: \(error); steps: \(hands.finished); pods: \(left)")
                return
            }
            print("rollback after \(last ?? "completion")\(undoTwice ? ", every undo twice" : ""): \(began.duration(to: clock.now))")
            #expect(journal.status == .rolledBack)

            // The person was asked to move the Coral back, when it had left.
            let asked = hands.events.dropFirst(ran).contains {
                if case .notice(let step, let message) = $0 { step == "move-coral" && message.contains("plug it into pumped-piglet") } else { false }
            }
            let moveIndex = try #require(steps.firstIndex { $0.id == "move-coral" })
            let lastIndex = last.flatMap { id in steps.firstIndex { $0.id == id } } ?? steps.count - 1
            let moved = lastIndex >= moveIndex
            #expect(asked == moved, "asked to move the Coral back: \(asked)")

            let after = try await Snapshot.take(lab, plan: plan)
            #expect(after.frigateReadyOn == Self.source)
            #expect(after.tpuFound)
            #expect(after.coralHost == "pumped-piglet")
            #expect(after.sourceVMSeesCoral, "lsusb in VM 105 lists the Coral")
            #expect(after.sourcePassthrough == before.sourcePassthrough)
            #expect(after.targetPassthrough == before.targetPassthrough)
            #expect(after.sourceLabel == "usb")
            #expect(after.targetLabel == nil)
            #expect(after.kustomizationSuspended == false)
            #expect(after.kustomizationReady)
            #expect(after.suspendAnnotation == nil)
            #expect(after.tree == before.tree, "Git's tree is the original")
            #expect(after.pushed, "the clone's HEAD is on origin")
            #expect(after.volumes == before.volumes, "each claim bound to its original PV, same policy")
            #expect(after.volumeNode == Self.source)
            #expect(after.files == before.files, "every file of both volumes, byte for byte")
            #expect(after.leftovers.isEmpty, "\(after.leftovers)")

            // The copies on the target stay (Retain, Released) until `ferry cleanup`, which names them.
            let copies = try await VolumeCleanup(kube: lab.kube).leftovers(journal)
            let switched = journal.entry("switch") != nil
            #expect(copies.map(\.claim).sorted() == (switched ? Self.claims : []), "\(copies.map(\.description))")
            #expect(copies.allSatisfy { !$0.nodes.contains(Self.source) }, "\(copies.map(\.description))")
            let warnings = hands.events.dropFirst(ran).compactMap { if case .warning(let step, let message) = $0 { "\(step): \(message)" } else { nil } }
            if !warnings.isEmpty { print("rollback after \(last ?? "completion") warned: \(warnings)") }
        }
    }

    /// The steps with step k+1 failing before it changes anything.
    static func stopping(_ steps: [any MigrationStep], after last: String?) throws -> [any MigrationStep] {
        guard let last else { return steps }
        let index = try #require(steps.firstIndex { $0.id == last }, "no step \(last) in \(steps.map(\.id))")
        var stopped = steps
        if index + 1 < steps.count { stopped[index + 1] = StopHere(step: steps[index + 1]) }
        return stopped
    }
}

/// A step that fails at once, as a step does whose first look at the world fails.
struct StopHere: MigrationStep {
    let step: any MigrationStep
    var id: String { step.id }
    var title: String { step.title }
    var phase: MigrationPhase { step.phase }
    var lane: StepLane { step.lane }
    var alongside: Set<StepLane> { step.alongside }
    func inspect(_ context: StepContext) async throws -> StepState { throw StepFailure("the test stops the run here") }
    func apply(_ context: StepContext) async throws { try await step.apply(context) }
    func undo(_ context: StepContext) async throws { try await step.undo(context) }
    func undoProblems(_ context: StepContext) async -> [String] { await step.undoProblems(context) }
    var undoes: Bool { step.undoes }
    func describe() -> [String] { step.describe() }
}

/// A step whose undo runs twice, as after a rollback killed between the undo and its journal entry.
struct UndoTwice: MigrationStep {
    let step: any MigrationStep
    var id: String { step.id }
    var title: String { step.title }
    var phase: MigrationPhase { step.phase }
    var lane: StepLane { step.lane }
    var alongside: Set<StepLane> { step.alongside }
    func inspect(_ context: StepContext) async throws -> StepState { try await step.inspect(context) }
    func apply(_ context: StepContext) async throws { try await step.apply(context) }
    func undo(_ context: StepContext) async throws {
        try await step.undo(context)
        try await step.undo(context)
    }
    func undoProblems(_ context: StepContext) async -> [String] { await step.undoProblems(context) }
    var undoes: Bool { step.undoes }
    func describe() -> [String] { step.describe() }
}

/// What a person would look at to tell whether Frigate is back as it was.
struct Snapshot {
    var frigateReadyOn: String?
    var tpuFound = false
    var coralHost: String?
    var sourceVMSeesCoral = false
    var sourcePassthrough: [String] = []
    var targetPassthrough: [String] = []
    var sourceLabel: String?
    var targetLabel: String?
    var kustomizationSuspended = false
    var kustomizationReady = false
    var suspendAnnotation: String?
    var tree = ""
    var pushed = false
    /// claim -> "PV policy"
    var volumes: [String: String] = [:]
    var volumeNode: String?
    var files: [String: Data] = [:]
    /// Helper pods and temporary claims (label ferry.dev/migration).
    var leftovers: [String] = []

    static func take(_ lab: PreflightLab, plan: MigrationPlan) async throws -> Snapshot {
        var snapshot = Snapshot()
        let kube = lab.kube
        let pods = try await kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
        if let pod = pods.first(where: { $0.isReady }) {
            snapshot.frigateReadyOn = pod.nodeName
            let log = try await kube.logs(pod: pod.name, namespace: "frigate", container: "frigate")
            snapshot.tpuFound = log.contains("TPU found")
        }
        let proxmox = lab.connections.proxmox
        for host in ["pumped-piglet", "still-fawn"] {
            let devices = try await proxmox.usbDevices(node: host)
            if devices.contains(where: { ["1a6e", "18d1"].contains($0.vendorID) }) { snapshot.coralHost = host }
        }
        snapshot.sourcePassthrough = try await proxmox.vmConfig(node: "pumped-piglet", vmid: 105).usb.map(\.value).sorted()
        snapshot.targetPassthrough = try await proxmox.vmConfig(node: "still-fawn", vmid: 108).usb.map(\.value).sorted()
        let lsusb = try await lab.connections.vmShell(for: plan.source).run(["sh", "-c", "lsusb"]).output.stdoutText
        snapshot.sourceVMSeesCoral = lsusb.contains("1a6e:089a") || lsusb.contains("18d1:9302")

        snapshot.sourceLabel = Node(json: try await kube.get(.nodes, RollbackTests.source)).labels["coral.ai/tpu"]
        snapshot.targetLabel = Node(json: try await kube.get(.nodes, RollbackTests.target)).labels["coral.ai/tpu"]
        let kustomization = try await kube.get(.kustomizations, "frigate", namespace: "flux-system")
        snapshot.kustomizationSuspended = kustomization["spec"]["suspend"].boolValue == true
        snapshot.kustomizationReady = (kustomization["status"]["conditions"].arrayValue ?? []).contains {
            $0["type"].stringValue == "Ready" && $0["status"].stringValue == "True"
        }
        snapshot.suspendAnnotation = kustomization["metadata"]["annotations"][SuspendFluxStepAnnotation.key].stringValue

        snapshot.tree = try await lab.git(["rev-parse", "HEAD^{tree}"])
        let head = try await lab.git(["rev-parse", "HEAD"])
        snapshot.pushed = try await lab.git(["ls-remote", "origin", "refs/heads/main"]).hasPrefix(head)

        for claim in RollbackTests.claims {
            let pvc = try await kube.get(.persistentVolumeClaims, claim, namespace: "frigate")
            let name = pvc["spec"]["volumeName"].stringValue ?? "(none)"
            let pv = try await kube.find(.persistentVolumes, name)
            snapshot.volumes[claim] = "\(name) \(pvc["status"]["phase"].stringValue ?? "?") \(pv?["spec"]["persistentVolumeReclaimPolicy"].stringValue ?? "?")"
        }
        let volumes = try await lab.volumeFiles(claims: RollbackTests.claims)
        snapshot.volumeNode = volumes.node
        snapshot.files = volumes.files

        for type in [ResourceType.pods, .persistentVolumeClaims] {
            let objects = try await kube.list(type, namespace: "frigate", labelSelector: "ferry.dev/migration").items
            snapshot.leftovers += objects.map { "\(type) \($0["metadata"]["name"].stringValue ?? "")" }
        }
        return snapshot
    }
}
