import FerryCore
import FerryLab
import Foundation

/// A scenario's lab (frigate-coral unless asked) with ferry's clients opened on the files it wrote, as a user
/// would open them (kubeconfig, `proxmox.env`, ssh_config): where `ferry demo` and
/// `ferry bench` start. Everything after this goes over the lab's real protocols;
/// only `homelab` (the lab's hands: moving the Coral, faults, the nodes' disks) is
/// reached directly.
struct LabSession: Sendable {
    /// frigate-coral's workload, which `ferry bench` measures.
    static let namespace = "frigate"
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let target = "k3s-vm-still-fawn"

    let lab: Lab
    let scenario: LabScenario
    let homelab: Homelab
    let directory: URL
    /// What a user of this lab would pass ferry (kubeconfig, proxmox.env, ssh_config).
    let settings: ConnectionSettings
    let connections: Connections

    /// Starts the lab in `directory`, runs `body`, and stops everything whatever
    /// happens; the directory goes too unless `keep`.
    static func with<T: Sendable>(
        in directory: URL, keep: Bool, scenario: LabScenario = .frigateCoral, _ body: (LabSession) async throws -> T
    ) async throws -> T {
        let lab = try await scenario.start(directory: directory)
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }
        let result: Result<T, any Error>
        do {
            guard let homelab = lab.homelab else { throw DemoFailure("the lab has no homelab") }
            var settings = ConnectionSettings(
                environment: [:], homeDirectory: directory, kubeconfig: lab.kube.kubeconfigPath.path, sshConfig: lab.ssh?.configPath)
            settings.proxmoxEnvironment = try ConnectionSettings.readEnvironmentFile(directory.appendingPathComponent("proxmox.env"))
            settings.sshControlDirectory = directory.appendingPathComponent("ssh")
            let connections = try Connections.open(settings)
            let session = LabSession(lab: lab, scenario: scenario, homelab: homelab, directory: directory, settings: settings, connections: connections)
            do {
                result = .success(try await body(session))
            } catch {
                result = .failure(error)
            }
            await connections.shutdown()
        } catch {
            result = .failure(error)
        }
        await lab.shutdown()
        return try result.get()
    }

    /// A new temporary directory for a lab, under `parent`.
    static func temporaryDirectory(_ purpose: String, in parent: String = "/tmp") -> URL {
        URL(fileURLWithPath: parent, isDirectory: true).appendingPathComponent("ferry-\(purpose)-\(UUID().uuidString.prefix(8))", isDirectory: true)
    }

    /// The scenario's workload as `ferry plan` takes it: `frigate/frigate`.
    var workload: (namespace: String, name: String) { scenario.workload ?? (Self.namespace, "frigate") }

    /// `ferry plan NAMESPACE/NAME --to k3s-vm-still-fawn`, written to `migration.yaml`.
    func discoverPlan() async throws -> (plan: MigrationPlan, text: String, file: URL) {
        let discovered = try await PlanDiscovery(connections: connections).discover(
            PlanRequest(namespace: workload.namespace, name: workload.name, targetNode: Self.target,
                        repo: directory.appendingPathComponent("gitops"), workingDirectory: directory))
        let file = directory.appendingPathComponent("migration.yaml")
        try Data(discovered.yaml.utf8).write(to: file)
        return (try PlanParser.parse(discovered.yaml, file: file.path), discovered.yaml, file)
    }

    /// The steps `ferry run` makes of the plan.
    func steps(_ plan: (plan: MigrationPlan, text: String, file: URL)) -> [any MigrationStep] {
        MigrationSteps.make(MigrationEnvironment(plan: plan.plan, planFile: plan.file, connections: connections, pollInterval: .milliseconds(50)))
    }

    /// `ferry run` of the plan, with the lab's hands moving the Coral when asked,
    /// after `moveTime` (a person's walk to the other host).
    func run(_ plan: (plan: MigrationPlan, text: String, file: URL), observer: any RunObserver, moveTime: Duration = .zero) async throws -> Journal {
        let hands = LabHands(forward: observer, homelab: homelab, moveTime: moveTime)
        return try await Runner(store: JournalStore.beside(plan: plan.file), observer: hands)
            .run(steps(plan), migration: plan.plan.name, plan: plan.file.path, planText: plan.text)
    }
}

/// Stands in for the person at the physical move: when the run asks for a device to
/// be moved ("... plug it into HOST"), the lab moves it there. Every event also goes
/// to `forward`.
struct LabHands: RunObserver {
    let forward: any RunObserver
    let homelab: Homelab
    var moveTime: Duration = .zero

    func event(_ event: RunEvent) {
        forward.event(event)
        guard case .waiting(let step, let message) = event, step.hasPrefix("move-") else { return }
        let device = String(step.dropFirst("move-".count))
        guard let host = message.split(separator: " ").last.map(String.init) else { return }
        homelab.moveDevice(device, toHost: host, after: moveTime)
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
