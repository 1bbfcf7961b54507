import ArgumentParser
import Foundation
import FerryLab

struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run the built-in lab: a simulated homelab to rehearse migrations on.",
        subcommands: [Up.self])

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the lab and keep it running until interrupted (Ctrl-C).")

        @Option(help: "Directory for the lab's state: kubeconfig, certificates, volume data.")
        var dir: String

        @Option(help: "Which homelab to stand up (\(LabScenario.allCases.map(\.rawValue).joined(separator: ", "))).")
        var scenario: String = LabScenario.homelab.rawValue

        @Option(help: "Port for the Kubernetes API (0 picks a free one).")
        var portBase: Int = 0

        func validate() throws {
            guard LabScenario(rawValue: scenario) != nil else {
                throw ValidationError(
                    "Unknown scenario '\(scenario)'. Choose one of: \(LabScenario.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            guard (0...65535).contains(portBase) else { throw ValidationError("--port-base must be between 0 and 65535.") }
        }

        func run() async throws {
            let directory = URL(fileURLWithPath: dir, isDirectory: true)
            let lab = try await KubeLab.start(
                LabConfiguration(directory: directory, nodes: LabScenario(rawValue: scenario)!.nodes, kubePort: portBase))
            print("""
                Lab '\(scenario)' is up.
                  Kubernetes API  \(lab.serverURL)
                  kubeconfig      \(lab.kubeconfigPath.path)

                Try:  kubectl --kubeconfig \(lab.kubeconfigPath.path) get nodes
                Stop with Ctrl-C.
                """)
            await SignalWaiter.waitForInterrupt()
            lab.stop()
            print("Lab stopped.")
        }
    }
}
