import FerryLab
import Foundation

/// What `ferry lab up` prints once the lab is ready: what it started, where, and the
/// commands that reach each part with only the files it wrote. Never a secret: the
/// Proxmox token's secret stays in proxmox.env, the control token in control.json.
struct LabUpSummary {
    let lab: Lab
    let control: LabControlServer
    let directory: URL
    let scenario: LabScenario
    let ready: Duration

    var text: String {
        get async {
            let dir = directory.path
            let seconds = Double(ready.components.seconds) + Double(ready.components.attoseconds) / 1e18
            var lines = ["Lab '\(scenario.rawValue)' is up in \(dir) (ready in \(String(format: "%.1f", seconds)) s).", ""]
            lines += [
                "Kubernetes API   \(lab.kube.serverURL)",
                "  kubeconfig     \(lab.kube.kubeconfigPath.path)",
            ]
            if let proxmox = lab.proxmox {
                lines += [
                    "Proxmox VE API   \(proxmox.url)",
                    "  token          \(proxmox.tokenID) (the secret is in \(proxmox.envFile.path))",
                    "  fingerprint    \(proxmox.fingerprint)",
                    "  CA             \(dir)/pki/proxmox-ca.crt",
                ]
            }
            if let ssh = lab.ssh {
                lines.append("SSH              \(ssh.configPath.path)")
                let width = (ssh.endpoints.keys.map(\.count).max() ?? 0) + 2
                for (name, endpoint) in ssh.endpoints.sorted(by: { Self.sshOrder($0.key, $1.key) }) {
                    let refused = await endpoint.isRefused ? "  (fault ssh-refused is on)" : ""
                    lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "127.0.0.1:\(endpoint.port)\(refused)")
                }
            }
            let gitops = directory.appendingPathComponent("gitops")
            let hasGitOps = FileManager.default.fileExists(atPath: gitops.appendingPathComponent(".git").path)
            if hasGitOps {
                lines.append("GitOps           \(gitops.path) (a clone of \(dir)/gitops.git, branch main)")
            }
            lines.append("Control          \(control.file.url) (its token is in \(LabControlFile.path(in: directory).path))")

            let q = Self.quoted
            lines += ["", "Use it:", "  export KUBECONFIG=\(q(lab.kube.kubeconfigPath.path))", "  kubectl get pods -A"]
            if lab.ssh != nil {
                lines.append("  ssh -F \(q(dir + "/ssh_config")) root@still-fawn.maas qm config 108")
            }
            if lab.proxmox != nil {
                lines += [
                    "  source \(q(dir + "/proxmox.env"))",
                    "  curl --cacert \(q(dir + "/pki/proxmox-ca.crt")) -H \"Authorization: PVEAPIToken=$PROXMOX_VE_API_TOKEN\" "
                        + "${PROXMOX_VE_ENDPOINT}api2/json/nodes",
                ]
            }
            if hasGitOps {
                lines.append("  git clone \(q(dir + "/gitops.git")) gitops && cd gitops    # commit, then git push")
            }
            let ferryDir = "--dir \(q(dir))"
            lines += [
                "  ferry lab status \(ferryDir)",
                scenario == .ollamaGPU
                    ? "  ferry lab move-device gpu --to still-fawn \(ferryDir)    # with both hosts off; then they power on"
                    : "  ferry lab move-device coral --to still-fawn \(ferryDir)",
                "  ferry lab fault ssh-refused on --target k3s-vm-pve \(ferryDir)",
                "",
                "Stop with Ctrl-C: it stops everything it started.",
            ]
            return lines.joined(separator: "\n")
        }
    }

    /// Hosts first (`*.maas`), then VMs, each by name.
    static func sshOrder(_ a: String, _ b: String) -> Bool {
        let (hostA, hostB) = (a.hasSuffix(".maas"), b.hasSuffix(".maas"))
        return hostA != hostB ? hostA : a < b
    }

    /// The path as a shell word: as is when it is plain, else in single quotes.
    static func quoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+:@%=".contains($0)) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
