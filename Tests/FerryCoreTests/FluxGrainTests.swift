@testable import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// GitOps at the right grain: a Kustomization that applies only the app is suspended;
/// one that applies other apps too (the root `flux-system` of `flux bootstrap`) keeps
/// reconciling them, and only what ferry changes is marked `reconcile: disabled`.
@Suite(.serialized) struct FluxGrainTests {
    static let workload = "frigate"

    static func kustomization(_ ids: [String]?) -> JSON {
        guard let ids else { return ["status": [:]] }
        return ["status": ["inventory": ["entries": .array(ids.map { ["id": .string($0), "v": "v1"] })]]]
    }

    @Test("only the app's namespace: suspend; anything else, or no inventory: mark the objects")
    func grain() {
        let ref = MigrationPlan.ObjectRef(name: "frigate")
        let own = FluxGrain.decide(
            kustomization: Self.kustomization(["_frigate__Namespace", "frigate_frigate_apps_Deployment", "frigate_frigate-media__PersistentVolumeClaim"]),
            ref: ref, namespace: "frigate")
        #expect(own.pause == .kustomization)
        #expect(own.note == "Kustomization flux-system/frigate applies only namespace frigate (3 objects): ferry suspends it for the move.")

        let root = FluxGrain.decide(
            kustomization: Self.kustomization([
                "_frigate__Namespace", "frigate_frigate_apps_Deployment", "_mqtt__Namespace", "mqtt_mosquitto-config__ConfigMap",
                "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", "_local-media__PersistentVolume", "traefik_web_traefik.io_IngressRoute",
            ]),
            ref: MigrationPlan.ObjectRef(name: "flux-system"), namespace: "frigate")
        #expect(root.pause == .objects)
        #expect(root.note.hasPrefix(
            "Kustomization flux-system/flux-system also applies 5 objects outside namespace frigate "
                + "(Namespace mqtt, ConfigMap mqtt/mosquitto-config, Kustomization flux-system/apps and 2 more): "
                + "suspending it would stop their GitOps"))

        #expect(FluxGrain.decide(kustomization: Self.kustomization(nil), ref: ref, namespace: "frigate").pause == .objects)
    }

    @Test("a plan's pause is read and written; absent, the Kustomization is suspended as before; a wrong value is named")
    func planField() throws {
        var plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        #expect(plan.gitops?.pause == .kustomization)
        plan.gitops?.pause = .objects
        #expect(plan.yaml.contains("  pause: objects\n"))
        #expect(try PlanParser.parse(plan.yaml, file: "migration.yaml") == plan)
        let wrong = plan.yaml.replacingOccurrences(of: "  pause: objects\n", with: "  pause: object\n")
        #expect(throws: PlanError.self) { try PlanParser.parse(wrong, file: "migration.yaml") }
        do {
            _ = try PlanParser.parse(wrong, file: "migration.yaml")
        } catch {
            #expect(error.problems.map(\.description).contains {
                $0.hasSuffix(#"gitops.pause: "object" is not accepted here: did you mean "objects"? expected one of: kustomization, objects, helmRelease"#)
            })
        }
    }

    /// The root Kustomization applies Frigate (with a health-checker CronJob) beside
    /// Mosquitto. `ferry plan` picks the objects' grain; during the physical move a
    /// commit to Mosquitto is applied while Frigate stays down and the health-checker
    /// suspended; afterwards nothing is suspended or marked; rollback brings Frigate
    /// back to pumped-piglet with nothing marked either.
    @Test("under a root flux-system, the other apps keep reconciling during the move, and nothing stays marked")
    func rootKustomization() async throws {
        try await PreflightLab.with(.frigateBootstrap) { lab in
            try await HomelabTreeTests.addTree(lab)
            try await HomelabTreeTests.removeBackup(lab)
            let discovered = try await PlanDiscovery(connections: lab.connections).discover(
                PlanRequest(namespace: "frigate", name: "frigate", targetNode: "k3s-vm-still-fawn", repo: lab.clone, workingDirectory: lab.directory))
            var plan = discovered.plan
            #expect(plan.gitops?.kustomization == MigrationPlan.ObjectRef(name: "flux-system"))
            #expect(plan.gitops?.pause == .objects)
            #expect(discovered.yaml.contains("ConfigMap mqtt/mosquitto-config"))
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            var suspending = plan
            suspending.gitops?.pause = .kustomization
            let warning = try await lab.check(suspending).result("flux pause")
            #expect(warning?.status == .warn)
            #expect(warning?.reason.contains("ConfigMap mqtt/mosquitto-config") == true, "\(String(describing: warning))")
            #expect(try await lab.check(plan).result("flux pause") == nil)
            let (planFile, steps) = try lab.migration(plan)
            let hands = CommitDuringMove(lab: lab)
            let runner = Runner(store: JournalStore.beside(plan: planFile), observer: hands)
            do {
                let journal = try await runner.run(steps, migration: plan.name, plan: planFile.path, planText: plan.yaml)
                #expect(journal.status == .completed)
            } catch {
                Issue.record("the run failed: \(error); steps: \(hands.hands.finished)")
                return
            }
            let during = try #require(await hands.seen.value)
            #expect(during.otherAppApplied, "Mosquitto's commit reached the cluster during the move")
            #expect(during.frigateReplicas == 0, "Flux left the marked Deployment scaled down")
            #expect(during.suspended == false)
            #expect(during.healthCheckSuspended == true, "the health-checker is paused during the move")

            try await Self.expectNothingPaused(lab)
            let pods = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(pods.map(\.nodeName) == ["k3s-vm-still-fawn"])

            let back = LabHands(homelab: lab.homelab)
            let rollback = try await Runner(store: JournalStore.beside(plan: planFile), observer: back).rollback(steps, migration: plan.name)
            #expect(rollback.status == .rolledBack)
            try await Self.expectNothingPaused(lab)
            let after = try await lab.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items.map(Pod.init(json:))
            #expect(after.filter(\.isReady).map(\.nodeName) == ["k3s-vm-pumped-piglet-gpu"])
        }
    }

    static func expectNothingPaused(_ lab: PreflightLab) async throws {
        let root = try await lab.kube.get(.kustomizations, "flux-system", namespace: "flux-system")
        #expect(root["spec"]["suspend"].boolValue != true)
        let objects = [
            try await lab.kube.get(.deployments, "frigate", namespace: "frigate"),
            try await lab.kube.get(.persistentVolumeClaims, "frigate-config", namespace: "frigate"),
            try await lab.kube.get(.persistentVolumeClaims, "frigate-media", namespace: "frigate"),
            try await lab.kube.get(.cronJobs, "frigate-healthcheck", namespace: "frigate"),
        ]
        for object in objects {
            let annotations = object["metadata"]["annotations"]
            #expect(annotations["kustomize.toolkit.fluxcd.io/reconcile"].isNull, "\(object["metadata"]["name"])")
            #expect(annotations["ferry.dev/suspended-by"].isNull, "\(object["metadata"]["name"])")
            #expect(annotations["ferry.dev/paused-by"].isNull, "\(object["metadata"]["name"])")
        }
        let healthCheck = try await lab.kube.get(.cronJobs, "frigate-healthcheck", namespace: "frigate")
        #expect(healthCheck["spec"]["suspend"].boolValue == false, "the health-checker runs again, as before the move")
    }
}

/// The person at the physical move who, before plugging the Coral in, pushes a change
/// to another app of the same root Kustomization and watches it reach the cluster. The
/// person commits in ferry's clone once ferry's own commit is pushed (the GitOps lane
/// pushes it in the first second of the downtime, long before a person walks to a host),
/// so Flux then applies the person's commit, with ferry's in it: resume-flux takes that
/// as ferry's commit applied (`PushedCommit`).
final class CommitDuringMove: RunObserver, @unchecked Sendable {
    struct Seen: Sendable {
        var otherAppApplied: Bool
        var frigateReplicas: Int64?
        var suspended: Bool
        var healthCheckSuspended: Bool?
    }

    let lab: PreflightLab
    let hands: LabHands
    let seen = SeenOnce()
    private let lock = NSLock()
    private var started = false

    init(lab: PreflightLab) {
        self.lab = lab
        self.hands = LabHands(homelab: lab.homelab)
    }

    func event(_ event: RunEvent) {
        if case .stepFinished(let step, _, _, _, _) = event, step == "edit-manifests" {
            let pushed = self.pushed
            Task { await pushed.set() }
        }
        guard case .waiting(let step, _) = event, step == "move-coral" else { return hands.event(event) }
        let first = lock.withLock { () -> Bool in
            defer { started = true }
            return !started
        }
        guard first else { return }
        let lab = self.lab
        let seen = self.seen
        let hands = self.hands
        let pushed = self.pushed
        Task {
            await pushed.wait()
            await seen.set(await Self.commitToMosquitto(lab))
            hands.event(event)
        }
    }

    private let pushed = Latch()

    static func commitToMosquitto(_ lab: PreflightLab) async -> Seen {
        do {
            let repository = GitOpsRepository.existing(in: lab.directory)
            let path = "apps/mosquitto/configmap.yaml"
            let text = try String(contentsOf: lab.clone.appendingPathComponent(path), encoding: .utf8)
            try repository.write([path: text.replacingOccurrences(of: "persistence true\n", with: "persistence true\n    max_connections 10\n")])
            _ = try await repository.commitAll("mosquitto: at most 10 connections")
            try await repository.push()
            let now: JSON = ["metadata": ["annotations": ["reconcile.fluxcd.io/requestedAt": .string(UUID().uuidString)]]]
            try await lab.kube.patch(.gitRepositories, "flux-system", namespace: "flux-system", now)
            try await lab.kube.patch(.kustomizations, "flux-system", namespace: "flux-system", now)
            let applied = try await lab.kube.waitFor(
                .configMaps, "mosquitto-config", namespace: "mqtt", timeout: .seconds(30), waitingFor: "Mosquitto's new config"
            ) { object in (object?["data"]["mosquitto.conf"].stringValue ?? "").contains("max_connections 10") }
            let deployment = try await lab.kube.get(.deployments, "frigate", namespace: "frigate")
            let root = try await lab.kube.get(.kustomizations, "flux-system", namespace: "flux-system")
            let healthCheck = try await lab.kube.get(.cronJobs, "frigate-healthcheck", namespace: "frigate")
            return Seen(
                otherAppApplied: applied != nil, frigateReplicas: deployment["spec"]["replicas"].intValue,
                suspended: root["spec"]["suspend"].boolValue == true, healthCheckSuspended: healthCheck["spec"]["suspend"].boolValue)
        } catch {
            Issue.record("the commit to Mosquitto failed: \(error)")
            return Seen(otherAppApplied: false, frigateReplicas: nil, suspended: false, healthCheckSuspended: nil)
        }
    }
}

/// What the observer saw, set once from its task and read by the test.
actor SeenOnce {
    private var result: CommitDuringMove.Seen?
    private var waiters: [CheckedContinuation<CommitDuringMove.Seen?, Never>] = []

    func set(_ seen: CommitDuringMove.Seen) {
        result = seen
        waiters.forEach { $0.resume(returning: seen) }
        waiters = []
    }

    var value: CommitDuringMove.Seen? {
        get async {
            if let result { return result }
            return await withCheckedContinuation { waiters.append($0) }
        }
    }
}

/// Set once; `wait` returns once it is.
actor Latch {
    private var isSet = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func set() {
        isSet = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    func wait() async {
        if isSet { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
