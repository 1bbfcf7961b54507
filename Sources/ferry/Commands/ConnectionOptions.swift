import ArgumentParser
import FerryCore
import Foundation

/// How a command reaches the cluster, Proxmox and the VMs: the options every
/// command that talks to them shares, over the environment kubectl and the Proxmox
/// tools already use.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).", valueName: "file"), completion: .file())
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context (default: its current-context).", valueName: "name"), completion: Completions.contexts)
    var context: String?

    @Option(help: ArgumentHelp(
        "An ssh_config for the VMs' names (ssh -F; default: $FERRY_SSH_CONFIG, then your own).", valueName: "file"), completion: .file())
    var sshConfig: String?

    @Option(help: ArgumentHelp(
        "A file of PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN, PROXMOX_VE_FINGERPRINT lines (default: $FERRY_PROXMOX_ENV, then the environment).",
        valueName: "file"), completion: .file())
    var proxmoxEnv: String?

    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConnectionSettings {
        let sshConfig = (self.sshConfig ?? environment["FERRY_SSH_CONFIG"]).flatMap { $0.isEmpty ? nil : $0 }
        var settings = ConnectionSettings(
            environment: environment, kubeconfig: kubeconfig, context: context,
            sshConfig: sshConfig.map { URL(fileURLWithPath: $0) })
        if let file = (proxmoxEnv ?? environment["FERRY_PROXMOX_ENV"]).flatMap({ $0.isEmpty ? nil : $0 }) {
            settings.proxmoxEnvironment = try ConnectionSettings.readEnvironmentFile(URL(fileURLWithPath: file))
        }
        return settings
    }
}
