import FerryLab
import Foundation
import Testing

/// `ferry lab up --dir DIR` with the default scenario: the files it writes, and that
/// kubectl, ssh, curl and git reach the lab with only those files and the commands it
/// prints.
@Suite("ferry lab up")
struct LabUpTests {
    @Test("lab up writes every file, says how to use them, and SIGINT stops it all")
    func upWritesFilesAndStops() async throws {
        try await RunningLab.with { lab in
            print("ferry lab up (frigate-coral) was ready after \(lab.readyAfter)")
            let output = lab.process.stdout()
            #expect(output.hasPrefix("Lab 'frigate-coral' is up in \(lab.directory.path) (ready in "), "\(output)")

            for (name, mode) in [
                ("kubeconfig", 0o600), ("ssh_config", 0o600), ("ssh/id_ed25519", 0o600), ("proxmox.env", 0o600),
                ("control.json", 0o600), ("pki/proxmox-ca.crt", 0o600),
            ] {
                let attributes = try? FileManager.default.attributesOfItem(atPath: lab.file(name).path)
                #expect(attributes?[.posixPermissions] as? Int == mode, "\(name) should exist with mode \(String(mode, radix: 8))")
            }
            for name in ["ssh/id_ed25519.pub", "ssh/known_hosts", "gitops/.git", "gitops.git/HEAD"] {
                #expect(FileManager.default.fileExists(atPath: lab.file(name).path), "\(name)")
            }

            let environment = try String(contentsOf: lab.file("proxmox.env"), encoding: .utf8)
            let variables = Dictionary(
                uniqueKeysWithValues: environment.split(separator: "\n").map { line in
                    let parts = line.split(separator: "=", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
                })
            #expect(variables.keys.sorted() == ["PROXMOX_VE_API_TOKEN", "PROXMOX_VE_ENDPOINT", "PROXMOX_VE_FINGERPRINT"])
            let secret = String(variables["PROXMOX_VE_API_TOKEN"]?.split(separator: "=").last ?? "")
            #expect(!secret.isEmpty)
            #expect(!output.contains(secret), "lab up must not print the Proxmox token's secret")
            #expect(output.contains("fingerprint    \(variables["PROXMOX_VE_FINGERPRINT"] ?? "?")"), "\(output)")
            let control = try #require(try LabControlFile.read(in: lab.directory))
            #expect(!output.contains(control.token), "lab up must not print the control token")
            #expect(control.url.hasPrefix("http://127.0.0.1:"))

            try await lab.stop()
            #expect(lab.process.stdout().hasSuffix("\nStopping the lab (SIGINT)...\nLab stopped.\n"), "\(lab.process.stdout())")
            #expect(!FileManager.default.fileExists(atPath: lab.file("control.json").path), "control.json must go with the lab")
            let after = try await ChildProcess.run(
                Kubectl.path, ["--kubeconfig", lab.file("kubeconfig").path, "get", "nodes", "--request-timeout=5s"], scratch: lab.scratch)
            #expect(after.status != 0, "the apiserver must be gone after SIGINT")
            let ssh = try await lab.shell("/usr/bin/ssh -o BatchMode=yes -F \(lab.file("ssh_config").path) still-fawn.maas true")
            #expect(ssh.stderr.contains("Connection refused"), "the SSH endpoints must be gone after SIGINT: \(ssh.stderr)")
        }
    }

    @Test("kubectl, ssh, curl and git work with only the files lab up wrote, as it says")
    func printedCommandsWork() async throws {
        try await RunningLab.with { lab in
            let cache = lab.scratch.appendingPathComponent("kube-cache").path
            let pods = try await lab.shell(
                try lab.usageLine("export KUBECONFIG=") + " && " + lab.usageLine("kubectl get pods -A") + " --cache-dir \(cache)")
            #expect(pods.status == 0, "\(pods.stderr)")
            let frigate = pods.stdout.split(separator: "\n").first { $0.hasPrefix("frigate ") }
            #expect(frigate?.contains("1/1     Running") == true, "\(pods.stdout)")

            let ssh = try lab.usageLine("ssh -F ")
            #expect(ssh == "ssh -F \(lab.file("ssh_config").path) root@still-fawn.maas qm config 108")
            let config = try await lab.shell(ssh.replacingOccurrences(of: "ssh -F", with: "/usr/bin/ssh -o BatchMode=yes -F"))
            #expect(config.status == 0, "\(config.stderr)")
            #expect(config.stdout.contains("name: k3s-vm-still-fawn\n"), "\(config.stdout)")
            #expect(config.stdout.contains("hostpci0: 0000:c4:00.0\n"), "\(config.stdout)")

            let nodes = try await lab.shell(
                try lab.usageLine("source ") + " && " + lab.usageLine("curl ").replacingOccurrences(of: "curl ", with: "curl -sS --fail-with-body "))
            #expect(nodes.status == 0, "\(nodes.stderr) \(nodes.stdout)")
            let names = try JSONSerialization.jsonObject(with: Data(nodes.stdout.utf8)) as? [String: Any]
            let data = names?["data"] as? [[String: Any]] ?? []
            #expect(data.compactMap { $0["node"] as? String }.sorted() == ["pumped-piglet", "pve", "still-fawn"], "\(nodes.stdout)")

            let clone = lab.scratch.appendingPathComponent("gitops").path
            let git = "git -c user.name=Tester -c user.email=tester@homelab.lan"
            let push = try await lab.shell(
                "git clone --quiet \(lab.file("gitops.git").path) \(clone) && cd \(clone) && test -f apps/frigate/deployment.yaml"
                    + " && echo '# touched' >> README.md && \(git) commit --quiet -am 'README: touch'"
                    + " && git push --quiet origin main && git rev-parse HEAD")
            #expect(push.status == 0, "\(push.stderr)")
            let published = try await lab.shell("git --git-dir \(lab.file("gitops.git").path) rev-parse refs/heads/main")
            #expect(published.stdout == push.stdout && !push.stdout.isEmpty, "the push should move main in DIR/gitops.git")
        }
    }

    @Test("a second lab up with the same --dir is refused while the first runs")
    func secondLabUpIsRefused() async throws {
        try await RunningLab.with { lab in
            let control = try #require(try LabControlFile.read(in: lab.directory))
            let second = try await lab.ferry(["lab", "up", "--dir", lab.directory.path])
            #expect(second.status == 5)
            #expect(
                second.stderr == """
                    Error: a lab is already running with --dir \(lab.directory.path) (pid \(control.pid), control endpoint \(control.url)): \
                    stop it with Ctrl-C in its terminal (or `kill -INT \(control.pid)`), or choose another --dir

                    """)
        }
    }
}
