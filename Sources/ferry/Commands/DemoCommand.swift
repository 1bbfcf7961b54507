import ArgumentParser
import FerryCore
import FerryGitOps
import FerryLab
import Foundation

/// The whole migration against the built-in lab, in one command: what a newcomer
/// runs first. It walks the same path a user does (`ferry plan`, `ferry check`,
/// `ferry run`) with the same code, against the lab's APIs over the real protocols;
/// only the hands that move the Coral are the lab's.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole migration against the built-in lab.",
        discussion: """
            Starts the frigate-coral lab in a temporary directory (or --dir): Frigate with a \
            Coral USB TPU on k3s-vm-pumped-piglet-gpu (VM 105 on pumped-piglet), deployed by \
            Flux from a Git repository, with data in two local-path volumes. SSH to the target \
            VM is broken, as in the blueprint's incident. Then it discovers the plan (ferry \
            plan), checks it (ferry check) and runs it (ferry run) to k3s-vm-still-fawn; when \
            the run asks for the Coral to be moved, the lab moves it. It ends with a summary \
            and stops the lab. Nothing outside the lab's directory is touched.
            """)

    @Option(help: "Keep the lab's state in this directory instead of a temporary one (it is kept afterwards).")
    var dir: String?

    @Flag(help: "Print the run's events as JSON lines.")
    var json = false

    func run() async throws {
        let directory = dir.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? URL(fileURLWithPath: "/tmp/ferry-demo-\(UUID().uuidString.prefix(8))", isDirectory: true)
        say("Starting the frigate-coral lab in \(directory.path)")
        let lab = try await LabScenario.frigateCoral.start(directory: directory)
        var failure: (any Error)?
        do {
            try await migrate(lab, directory: directory)
        } catch {
            failure = error
        }
        await lab.shutdown()
        if dir == nil { try? FileManager.default.removeItem(at: directory) }
        if let failure {
            FileHandle.standardError.write(Data("\nError: the demo failed: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func migrate(_ lab: Lab, directory: URL) async throws {
        var settings = ConnectionSettings(
            environment: [:], homeDirectory: directory, kubeconfig: lab.kube.kubeconfigPath.path, sshConfig: lab.ssh?.configPath)
        settings.proxmoxEnvironment = try ConnectionSettings.readEnvironmentFile(directory.appendingPathComponent("proxmox.env"))
        settings.sshControlDirectory = directory.appendingPathComponent("ssh")
        let connections = try Connections.open(settings)
        defer { Task { await connections.shutdown() } }
        say("Frigate runs on k3s-vm-pumped-piglet-gpu with the Coral; SSH to k3s-vm-still-fawn is refused (the blueprint's incident)")

        say("ferry plan frigate/frigate --to k3s-vm-still-fawn --repo \(directory.path)/gitops")
        let discovered = try await PlanDiscovery(connections: connections).discover(
            PlanRequest(namespace: "frigate", name: "frigate", targetNode: "k3s-vm-still-fawn",
                        repo: directory.appendingPathComponent("gitops"), workingDirectory: directory))
        let planFile = directory.appendingPathComponent("migration.yaml")
        try Data(discovered.yaml.utf8).write(to: planFile)
        print(discovered.yaml.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n"))
        let plan = try PlanParser.parse(discovered.yaml, file: planFile.path)

        say("ferry check \(planFile.path)")
        let report = await Preflight(plan: plan, connections: connections, planDirectory: directory).run()
        print(report.table)
        fflush(nil)
        guard !report.blocks else { throw DemoFailure("the pre-flight checks failed") }

        say("ferry run \(planFile.path)   (the lab moves the Coral when asked, standing in for you)")
        let environment = MigrationEnvironment(plan: plan, planFile: planFile, connections: connections, pollInterval: .milliseconds(50))
        let printer = RunPrinter(json: json)
        let observer = DemoObserver(printer: printer, homelab: try lab.requireHomelab())
        let journal = try await Runner(store: JournalStore.beside(plan: planFile), observer: observer)
            .run(MigrationSteps.make(environment), migration: plan.name, plan: planFile.path, planText: discovered.yaml)
        try await summary(journal, plan: plan, connections: connections, directory: directory, lab: lab)
    }

    private func summary(_ journal: Journal, plan: MigrationPlan, connections: Connections, directory: URL, lab: Lab) async throws {
        let pods = try await connections.kube.list(.pods, namespace: "frigate", labelSelector: "app=frigate").items
        let pod = pods.first { $0["status"]["conditions"].arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true }
        let name = pod?["metadata"]["name"].stringValue ?? "?"
        let log = (try? await connections.kube.logs(pod: name, namespace: "frigate", container: "frigate")) ?? ""
        let git = GitRepository(directory: directory.appendingPathComponent("gitops"))
        let commits = (try? await git.git(["log", "--format=%h %s", "-1"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        let stat = ((try? await git.git(["show", "--stat", "--format=", "HEAD"])) ?? "").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        print("\n" + MigrationSummary.text(journal))
        print("""

            Frigate now runs on \(pod?["spec"]["nodeName"].stringValue ?? "?") (pod \(name))
              its log: \(log.split(separator: "\n").last { $0.contains("TPU") } ?? "no TPU line")
              commit:  \(commits)
            \(stat.map { "           \($0)" }.joined(separator: "\n"))
              volumes: frigate-config and frigate-media copied, verified and bound on k3s-vm-still-fawn;
                       the originals stay on k3s-vm-pumped-piglet-gpu until `ferry cleanup`
            """)
        if let downtime = Downtime(journal) {
            let timing = LabConfiguration.Timing()
            let floor = timing.vmBoot + timing.containerStart
            print("  downtime: \(RunPrinter.seconds(downtime.total)) without the physical move "
                + "(the lab's floor, VM reboot + container start: \(RunPrinter.seconds(floor)))")
        }
    }

    private func say(_ text: String) {
        guard !json else { return }
        print("\n==> \(text)")
        fflush(nil)
    }
}

/// The workload's downtime as the journal shows it: from the scale-down starting (the
/// source pod stops serving) to the target pod Ready, minus the wait for the person
/// to move the hardware.
struct Downtime {
    var total: Duration

    init?(_ journal: Journal) {
        guard let down = journal.entry("scale-down")?.startedAt, let up = journal.entries.last(where: { $0.step == "wait-ready" })?.endedAt else {
            return nil
        }
        var seconds = up.timeIntervalSince(down)
        for entry in journal.entries where entry.phase == .move {
            if let start = entry.startedAt, let end = entry.endedAt { seconds -= end.timeIntervalSince(start) }
        }
        total = .milliseconds(Int64(seconds * 1000))
    }
}

/// Prints the run, and moves the Coral in the lab when the run asks a person to.
struct DemoObserver: RunObserver {
    let printer: RunPrinter
    let homelab: Homelab

    func event(_ event: RunEvent) {
        printer.event(event)
        guard case .waiting(let step, let message) = event, step.hasPrefix("move-") else { return }
        let device = String(step.dropFirst("move-".count))
        guard let host = message.split(separator: " ").last.map(String.init) else { return }
        Task { try? await homelab.moveDevice(device, toHost: host) }
    }
}

extension Lab {
    func requireHomelab() throws -> Homelab {
        guard let homelab else { throw DemoFailure("the lab has no homelab") }
        return homelab
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
