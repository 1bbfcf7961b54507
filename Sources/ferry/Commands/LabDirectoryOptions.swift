import ArgumentParser
import Foundation

/// `--dir`, shared by every `ferry lab` command: the directory `ferry lab up` writes
/// the lab's files to, and by which the other commands find the running lab
/// (`DIR/control.json`).
struct LabDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("dir"),
        help: ArgumentHelp(
            "The lab's directory: where `lab up` writes kubeconfig, ssh_config, proxmox.env, the GitOps repository and control.json.",
            valueName: "dir"), completion: .directory)
    var path: String

    /// The directory as an absolute URL.
    var directory: URL { URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL }

    func validate() throws {
        guard !path.isEmpty else { throw ValidationError("--dir must not be empty.") }
    }
}
