import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

@testable import FerryCore

/// The frigate-coral lab for the volume steps: ferry's clients on the lab's files,
/// the reference plan, the steps that move the volumes (with Flux suspended and the
/// workload scaled down around them, as a run does), and a look at the nodes' disks.
struct VolumeLab: Sendable {
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let target = "k3s-vm-still-fawn"
    static let claims = ["frigate-config", "frigate-media"]

    let lab: Lab
    let directory: URL
    let connections: Connections
    let environment: MigrationEnvironment

    var kube: KubeClient { connections.kube }
    var store: JournalStore { JournalStore(directory: directory.appendingPathComponent(".ferry")) }

    static func with<T: Sendable>(_ body: (VolumeLab) async throws -> T) async throws -> T {
        let directory = URL(fileURLWithPath: "/tmp/fv-\(UUID().uuidString.prefix(8))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lab = try await LabScenario.frigateCoral.start(directory: directory)
        do {
            var settings = ConnectionSettings(
                environment: [:], homeDirectory: directory, kubeconfig: lab.kube.kubeconfigPath.path,
                sshConfig: try #require(lab.ssh).configPath)
            settings.proxmoxEnvironment = try ConnectionSettings.readEnvironmentFile(directory.appendingPathComponent("proxmox.env"))
            let connections = try Connections.open(settings)
            var plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
            plan.gitops?.repo = "gitops"
            let environment = MigrationEnvironment(
                plan: plan, planFile: directory.appendingPathComponent("migration.yaml"), connections: connections)
            let fixture = VolumeLab(lab: lab, directory: directory, connections: connections, environment: environment)
            do {
                let result = try await body(fixture)
                await connections.shutdown()
                await lab.shutdown()
                return result
            } catch {
                await connections.shutdown()
                throw error
            }
        } catch {
            await lab.shutdown()
            throw error
        }
    }

    /// Suspend Flux, retain, pre-copy, scale down, `between` (a fault), final copy
    /// and verify, switch: the volume part of a run.
    func steps(between: [any MigrationStep] = [], environment: MigrationEnvironment? = nil) -> [any MigrationStep] {
        let environment = environment ?? self.environment
        let gitops = environment.plan.gitops!
        var steps: [any MigrationStep] = [
            SuspendFluxStep(environment: environment, gitops: gitops),
            RetainVolumesStep(environment: environment, claims: Self.claims),
        ]
        steps += Self.claims.map { PreCopyStep(environment: environment, claim: $0) }
        steps.append(ScaleDownStep(environment: environment))
        steps += between
        steps.append(FinalCopyStep(environment: environment, claims: Self.claims))
        steps.append(SwitchVolumesStep(environment: environment, claims: Self.claims))
        return steps
    }

    func run(_ steps: [any MigrationStep], observer: any RunObserver = SilentObserver()) async throws -> Journal {
        try await Runner(store: store, observer: observer).run(steps, migration: "m", plan: "migration.yaml", planText: PlanFixtures.frigate)
    }

    func resume(_ steps: [any MigrationStep]) async throws -> Journal {
        try await Runner(store: store).resume(steps, migration: "m", planText: PlanFixtures.frigate)
    }

    // MARK: Looking at the world

    func claim(_ name: String) async throws -> PersistentVolumeClaim {
        try await kube.get(PersistentVolumeClaim.self, name, namespace: "frigate")
    }

    func volume(_ name: String) async throws -> PersistentVolume {
        try await kube.get(PersistentVolume.self, name)
    }

    /// The directory on `node`'s disk that holds `pv`.
    func directory(of pv: PersistentVolume, on node: String) throws -> URL {
        lab.kube.filesystem.url(node: node, path: try #require(pv.localPath))
    }

    func helperObjects() async throws -> [String] {
        let selector = "ferry.dev/migration=frigate-piglet-to-fawn"
        let pods = try await kube.list(.pods, namespace: "frigate", labelSelector: selector).items
        let claims = try await kube.list(.persistentVolumeClaims, namespace: "frigate", labelSelector: selector).items
        let secrets = try await kube.list(.secrets, namespace: "frigate", labelSelector: selector).items
        return (pods + claims + secrets).compactMap { $0["metadata"]["name"].stringValue }
    }
}

/// Every entry below a directory as a person comparing two copies would: type, mode,
/// owner, size, symlink target; `sameContents` compares the bytes.
enum Tree {
    static func listing(_ root: URL) throws -> [String: String] {
        var entries: [String: String] = [:]
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: root.path) else { return [:] }
        while let relative = walker.nextObject() as? String {
            let path = root.appendingPathComponent(relative).path
            let attributes = try manager.attributesOfItem(atPath: path)
            let type = attributes[.type] as? FileAttributeType
            let mode = String(attributes[.posixPermissions] as? Int ?? 0, radix: 8)
            let owner = "\(attributes[.ownerAccountID] ?? 0):\(attributes[.groupOwnerAccountID] ?? 0)"
            switch type {
            case .typeSymbolicLink:
                entries[relative] = "link -> \(try manager.destinationOfSymbolicLink(atPath: path))"
            case .typeDirectory:
                entries[relative] = "dir \(mode) \(owner)"
            default:
                entries[relative] = "file \(mode) \(owner) \(attributes[.size] ?? 0) \(attributes[.referenceCount] ?? 0) links"
            }
        }
        return entries
    }

    /// Whether every regular file under `a` has the same bytes as its namesake under `b`.
    static func sameContents(_ a: URL, _ b: URL) throws -> Bool {
        let listing = try Self.listing(a)
        for (relative, entry) in listing where entry.hasPrefix("file ") {
            guard let x = FileHandle(forReadingAtPath: a.appendingPathComponent(relative).path),
                let y = FileHandle(forReadingAtPath: b.appendingPathComponent(relative).path)
            else { return false }
            defer { try? x.close(); try? y.close() }
            while true {
                let left = try x.read(upToCount: 1 << 20) ?? Data()
                let right = try y.read(upToCount: 1 << 20) ?? Data()
                if left != right { return false }
                if left.isEmpty { break }
            }
        }
        return true
    }
}
