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

            --scenario ollama-gpu moves Ollama instead, with the NVIDIA card VM 105 passes: \
            still-fawn has no such card, so the plan carries it, and the run powers both \
            hosts off for the move and back on (the lab's hands move the card). \
            --scenario frigate-helm moves Frigate released by a Flux HelmRelease from a \
            chart in the repository: ferry edits the release's values, never the chart, \
            and suspends the release, not the Kustomization, for the move.
            """)

    @Option(help: "The lab to migrate in: frigate-coral (the Coral USB TPU), frigate-bootstrap (a root flux-system), ollama-gpu (a PCIe GPU), frigate-helm (a HelmRelease).")
    var scenario: String = LabScenario.frigateCoral.rawValue

    @Option(help: "Keep the lab's state in this directory instead of a temporary one (it is kept afterwards).")
    var dir: String?

    @Flag(help: "Print the run's events as JSON lines.")
    var json = false

    func validate() throws {
        guard LabScenario(rawValue: scenario)?.workload != nil else {
            let names = LabScenario.allCases.filter { $0.workload != nil }.map(\.rawValue)
            throw ValidationError("Unknown scenario '\(scenario)'. Choose one of: \(names.joined(separator: ", ")).")
        }
    }

    func run() async throws {
        let scenario = LabScenario(rawValue: scenario) ?? .frigateCoral
        let directory = dir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? LabSession.temporaryDirectory("demo")
        say("Starting the \(scenario.rawValue) lab in \(directory.path)")
        do {
            try await LabSession.with(in: directory, keep: dir != nil, scenario: scenario) { session in try await migrate(session) }
        } catch {
            FileHandle.standardError.write(Data("\nError: the demo failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func migrate(_ session: LabSession) async throws {
        let directory = session.directory
        let workload = session.workload
        switch session.scenario {
        case .ollamaGPU:
            say("Ollama runs on k3s-vm-pumped-piglet-gpu with the NVIDIA card; still-fawn has none, and SSH to k3s-vm-still-fawn is refused")
        default:
            say("Frigate runs on k3s-vm-pumped-piglet-gpu with the Coral; SSH to k3s-vm-still-fawn is refused (the blueprint's incident)")
        }

        say("ferry plan \(workload.namespace)/\(workload.name) --to k3s-vm-still-fawn --repo \(directory.path)/gitops")
        let discovered = try await session.discoverPlan()
        print(discovered.text.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n"))

        say("ferry check \(discovered.file.path)")
        let report = await Preflight(plan: discovered.plan, connections: session.connections, planDirectory: directory).run()
        print(report.table(width: isatty(STDOUT_FILENO) == 1 ? TerminalWidth.of(STDOUT_FILENO) : nil))
        StandardOutput.flush()
        guard !report.blocks else { throw DemoFailure("the pre-flight checks failed") }

        let moved = discovered.plan.devices.filter(\.move).map(\.name).joined(separator: " and ")
        say("ferry run \(discovered.file.path)   (the lab moves the \(moved) when asked, standing in for you)")
        let journal = try await session.run(discovered, observer: RunPrinter(json: json))
        try await summary(journal, session: session, plan: discovered.plan)
    }

    private func summary(_ journal: Journal, session: LabSession, plan: MigrationPlan) async throws {
        let (connections, directory, workload) = (session.connections, session.directory, session.workload)
        let application = session.scenario == .ollamaGPU ? "Ollama" : "Frigate"
        let pods = try await connections.kube.list(.pods, namespace: workload.namespace, labelSelector: "app=\(workload.name)").items
        let pod = pods.first { $0["status"]["conditions"].arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true }
        let name = pod?["metadata"]["name"].stringValue ?? "?"
        let log = (try? await connections.kube.logs(pod: name, namespace: workload.namespace, container: workload.name)) ?? ""
        let proof = session.scenario == .ollamaGPU
            ? log.split(separator: "\n").last { $0.contains("inference compute") } ?? "no inference compute line"
            : log.split(separator: "\n").last { $0.contains("TPU") } ?? "no TPU line"
        let claims = plan.volumes.map(\.claim).joined(separator: " and ")
        let git = GitRepository(directory: directory.appendingPathComponent("gitops"))
        let commits = (try? await git.git(["log", "--format=%h %s", "-1"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        let stat = ((try? await git.git(["show", "--stat", "--format=", "HEAD"])) ?? "").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        print("\n" + MigrationSummary.text(journal))
        print("""

            \(application) now runs on \(pod?["spec"]["nodeName"].stringValue ?? "?") (pod \(name))
              its log: \(proof)
              commit:  \(commits)
            \(stat.map { "           \($0)" }.joined(separator: "\n"))
              volumes: \(claims) copied, verified and bound on k3s-vm-still-fawn;
                       the originals stay on k3s-vm-pumped-piglet-gpu until `ferry cleanup`
            """)
        for device in plan.devices where device.move && !device.isUSB {
            let found = try? await connections.proxmox.pciDevices(node: plan.target.host).first { card in
                if case .pci(let pci) = device.selector { return pci.ids.contains(card.id) }
                return false
            }
            print("  \(device.name):     in \(plan.target.host) at \(found?.address ?? "?"), passed to VM \(plan.target.vmid); "
                + "\(plan.source.host) and \(plan.target.host) were powered off for the move and are back")
        }
        if let release = plan.gitops?.helmRelease,
            let object = try? await connections.kube.get(.helmReleases, release.name, namespace: release.namespace) {
            let newest = object["status"]["history"].arrayValue?.first
            let version = newest?["version"].intValue.map { "v\($0)" } ?? "?"
            let suspended = object["spec"]["suspend"].boolValue == true ? "suspended" : "not suspended"
            print("  release: HelmRelease \(release) \(version) \(newest?["status"].stringValue ?? "?"), \(suspended); "
                + "the commit changed its values only")
        }
        if let downtime = Downtime(journal) {
            print("  downtime: \(RunPrinter.seconds(downtime.withoutMove)) without the physical move "
                + "(the lab's floor, VM reboot + container start: \(RunPrinter.seconds(LabConfiguration.Timing().downtimeFloor)))")
        }
    }

    private func say(_ text: String) {
        guard !json else { return }
        print("\n==> \(text)")
        StandardOutput.flush()
    }
}
