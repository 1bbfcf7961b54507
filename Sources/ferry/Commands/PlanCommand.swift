import ArgumentParser
import FerryCore
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

            Exit codes: 0 plan written; 1 the plan could not be discovered (the message says \
            what is missing and how to fix it); 3 the output file exists (use --force) or \
            cannot be written; 64 bad usage.
            """)

    @Argument(help: ArgumentHelp("The workload: NAMESPACE/NAME of a Deployment or StatefulSet.", valueName: "namespace/name"))
    var workload: String

    @Option(help: ArgumentHelp("The Kubernetes node to move the workload to.", valueName: "node"))
    var to: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write the plan to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Replace the file given with -o if it exists.")
    var force = false

    @Option(help: ArgumentHelp(
        "The local clone of the GitOps repository (default: the current directory, if it is in a clone).", valueName: "dir"))
    var repo: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try reference()
        if force && output == nil { throw ValidationError("--force replaces the file given with -o; without -o the plan goes to standard output.") }
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
        let destination = output.map { URL(fileURLWithPath: $0) }
        if let destination, !force, FileManager.default.fileExists(atPath: destination.path) {
            fail("\(destination.path) exists: choose another file, or add --force to replace it", code: 3)
        }
        let discovered: DiscoveredPlan
        do {
            let connections = try Connections.openWarning(try connection.settings())
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
        let text = discovered.yaml
        guard let destination else {
            print(text, terminator: "")
            return
        }
        do {
            try Data(text.utf8).write(to: destination, options: force ? [.atomic] : [.withoutOverwriting])
        } catch {
            fail("cannot write the plan to \(destination.path): \((error as NSError).localizedDescription)", code: 3)
        }
        FileHandle.standardError.write(Data("Wrote the plan to \(destination.path). Review it, then run `ferry check \(output ?? "")`.\n".utf8))
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
