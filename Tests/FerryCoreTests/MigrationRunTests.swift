import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import FerryTestSupport
import Foundation
import Testing

/// Stands in for the person at the physical move: when the run (or a rollback) asks
/// for the Coral to be moved, the lab moves it to the host the message names.
final class LabHands: RunObserver, @unchecked Sendable {
    let homelab: Homelab
    private let lock = NSLock()
    private var moved = Set<String>()
    private(set) var events: [RunEvent] = []

    init(homelab: Homelab) { self.homelab = homelab }

    func event(_ event: RunEvent) {
        lock.withLock { events.append(event) }
        guard case .waiting(let step, let message) = event, step.hasPrefix("move-") else { return }
        let device = String(step.dropFirst("move-".count))
        // "... and plug it into HOST": the run's move and rollback's move back alike.
        guard let host = message.split(separator: " ").last.map(String.init), ["still-fawn", "pumped-piglet"].contains(host) else { return }
        let first = lock.withLock { moved.insert("\(device)@\(host)").inserted }
        guard first else { return }
        homelab.moveDevice(device, toHost: host, after: .zero)
    }

    var finished: [(String, RunEvent.Outcome)] {
        lock.withLock {
            events.compactMap { if case .stepFinished(let step, _, let outcome, _, _) = $0 { (step, outcome) } else { nil } }
        }
    }
}

@Suite(.serialized) struct MigrationRunTests {
    /// The reference migration, end to end through the runner: Frigate ends Ready on
    /// still-fawn with the Coral found, through the guest agent (SSH to the target VM
    /// is refused in the scenario), with the manifests changed in Git and its volumes'
    /// files on the target node.
    @Test func theReferenceMigrationMovesFrigateToStillFawn() async throws {
        try await PreflightLab.with { lab in
            let planFile = lab.directory.appendingPathComponent("migration.yaml")
            // With the example's in-cluster HTTP check, through the API server's service proxy to Frigate.
            let plan = try lab.referencePlan()
            let before = try await lab.sourceFiles()
            try Data(plan.yaml.utf8).write(to: planFile)
            let environment = MigrationEnvironment(plan: plan, planFile: planFile, connections: lab.connections, pollInterval: .milliseconds(50))
            let hands = LabHands(homelab: lab.homelab)
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: hands)
            let journal: Journal
            do {
                journal = try await runner.run(MigrationSteps.make(environment), migration: plan.name, plan: planFile.path, planText: plan.yaml)
            } catch {
                Issue.record("the run failed: \(error); steps: \(hands.finished)")
                return
            }
            #expect(journal.status == .completed)
            #expect(journal.targetAccess == "guest-agent")
            // VM 108 cannot hot-plug USB in the scenario: the run says why it reboots.
            let notices = hands.events.compactMap { if case .notice("reboot-target", let message) = $0 { message } else { nil } }
            #expect(notices == ["VM 108 reboots to get coral (1a6e:089a / 18d1:9302): its hotplug option (network,disk) lacks usb"], "\(notices)")

            let pods = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(pods.count == 1)
            #expect(pods.first?.nodeName == "k3s-vm-still-fawn")
            #expect(pods.first?.isReady == true)
            let log = try await lab.kube.logs(pod: try #require(pods.first).name, namespace: "frigate", container: "frigate")
            #expect(log.contains("TPU found"))

            let target = try await lab.kube.get(.nodes, "k3s-vm-still-fawn")
            let source = try await lab.kube.get(.nodes, "k3s-vm-pumped-piglet-gpu")
            #expect(Node(json: target).labels["coral.ai/tpu"] == "usb")
            #expect(Node(json: source).labels["coral.ai/tpu"] == nil)
            let kustomization = try await lab.kube.get(.kustomizations, "frigate", namespace: "flux-system")
            #expect(kustomization["spec"]["suspend"].boolValue != true)
            #expect(kustomization["metadata"]["annotations"][SuspendFluxStepAnnotation.key].isNull)

            // The manifests changed by exactly the needed lines, in one pushed commit.
            let diff = try await lab.git(["diff", "HEAD~1", "HEAD", "--unified=0"])
            let changed = diff.split(separator: "\n").filter { ($0.hasPrefix("+") || $0.hasPrefix("-")) && !$0.hasPrefix("+++") && !$0.hasPrefix("---") }
            #expect(changed.count == 6, "\(changed)")
            #expect(try await lab.git(["status", "--porcelain"]).isEmpty)
            let head = try await lab.git(["rev-parse", "HEAD"])
            #expect(head == (try await lab.git(["rev-parse", "origin/main"])))

            // Every file of both volumes is on a PV of the target node, and the originals are still on the source.
            let after = try await lab.volumeFiles(claims: ["frigate-config", "frigate-media"])
            #expect(after.node == "k3s-vm-still-fawn")
            #expect(after.files == before.files)
            #expect(try lab.filesOnDisk(before.directories) == before.files, "the originals stay until ferry cleanup")
        }
    }
}

extension PreflightLab {
    struct VolumeFiles {
        var node: String?
        var directories: [String: URL]
        /// claim/relative path -> contents
        var files: [String: Data]
    }

    func sourceFiles() async throws -> VolumeFiles {
        try await volumeFiles(claims: ["frigate-config", "frigate-media"])
    }

    /// The files of each claim's bound PV, read from the lab node's real directory.
    func volumeFiles(claims: [String]) async throws -> VolumeFiles {
        var result = VolumeFiles(node: nil, directories: [:], files: [:])
        for claim in claims {
            let pvc = try await kube.get(.persistentVolumeClaims, claim, namespace: "frigate")
            let pv = try await kube.get(.persistentVolumes, try #require(pvc["spec"]["volumeName"].stringValue))
            let path = try #require(pv["spec"]["hostPath"]["path"].stringValue ?? pv["spec"]["local"]["path"].stringValue)
            let terms = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"].arrayValue ?? []
            let node = terms.first?["matchExpressions"].arrayValue?.first?["values"].arrayValue?.first?.stringValue
            result.node = node
            let directory = NodeFilesystem(root: self.directory).url(node: try #require(node), path: path)
            result.directories[claim] = directory
        }
        result.files = try filesOnDisk(result.directories)
        return result
    }

    func filesOnDisk(_ directories: [String: URL]) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for (claim, directory) in directories {
            guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                files["\(claim)/\(url.path.dropFirst(directory.path.count))"] = try Data(contentsOf: url)
            }
        }
        return files
    }

    func git(_ arguments: [String]) async throws -> String {
        let result = try await TestProcess.run("/usr/bin/git", ["-C", clone.path] + arguments, scratch: directory)
        return String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

enum SuspendFluxStepAnnotation {
    static let key = "ferry.dev/suspended-by"
}
