import ArgumentParser
import FerryCore
import FerryJSON
import Foundation

/// `ferry plan NAMESPACE/NAME --to NODE`: discovers the migration from the live
/// systems and writes the plan, with a comment on what each value is based on.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Discover how to move a workload to another node and write the plan.",
        discussion: """
            Reads the cluster, Proxmox VE and the GitOps clone (it changes nothing): the node \
            the pods run on and its VM, the devices passed through to it, the node label, the \
            volumes and whether they are node-bound, the Flux Kustomization and the manifest \
            files, and the edits the target node needs. The plan's comments say what each \
            value is based on; review it, then run `ferry check PLAN`.

            The plan goes to standard output, or to the file named with --out; -o json \
            prints it as JSON (without the comments).

            \(CommandFailure.exitCodes)
            """)

    @Argument(help: ArgumentHelp("The workload: NAMESPACE/NAME of a Deployment or StatefulSet.", valueName: "namespace/name"), completion: Completions.workloads)
    var workload: String

    @Option(help: ArgumentHelp("The Kubernetes node to move the workload to.", valueName: "node"), completion: Completions.nodes)
    var to: String

    @OptionGroup var file: OutputFileOptions

    /// `-o yaml` (the plan with its comments) or `-o json`.
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp(
        "The local clone of the GitOps repository (default: the current directory, if it is in a clone).", valueName: "dir"), completion: .directory)
    var repo: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try reference()
        _ = try output.format([.yaml, .json], fallback: .yaml)
    }

    /// `NAMESPACE/NAME`, each as Kubernetes names them.
    private func reference() throws -> (namespace: String, name: String) {
        let parts = workload.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("'\(workload)' is not NAMESPACE/NAME: give the workload's namespace and name, e.g. frigate/frigate")
        }
        return (parts[0], parts[1])
    }

    func run() async throws {
        let (namespace, name) = try reference()
        file.refuseExisting()
        let discovered: DiscoveredPlan
        let connections: Connections
        do {
            connections = try Connections.openWarning(try connection.settings())
        } catch {
            fail("\(error)", code: 3)
        }
        do {
            let request = PlanRequest(
                namespace: namespace, name: name, targetNode: to,
                repo: repo.map { URL(fileURLWithPath: $0, isDirectory: true) })
            do {
                discovered = try await PlanDiscovery(connections: connections).discover(request)
            } catch {
                await connections.shutdown()
                throw error
            }
            await connections.shutdown()
        } catch {
            fail("\(error)", code: 1)
        }
        var text = discovered.yaml
        if try output.format([.yaml, .json], fallback: .yaml) == .json {
            guard let json = try? JSON.parseYAML(discovered.yaml) else { fail("the discovered plan is not valid YAML (a bug in ferry)", code: 1) }
            text = json.pretty + "\n"
        }
        guard let destination = file.emit(text, what: "plan") else { return }
        FileHandle.standardError.write(Data("Wrote the plan to \(destination.path). Review it, then run `ferry check \(file.out ?? "")`.\n".utf8))
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
