import ArgumentParser
import FerryLab
import Foundation

/// `ferry lab up --dir DIR`: starts the whole lab (Kubernetes, Proxmox VE, SSH, the
/// GitOps repository and Flux), writes the files a person needs to reach it, prints
/// how, and runs until SIGINT or SIGTERM, then stops everything it started.
struct LabUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the lab and keep it running until interrupted (Ctrl-C).",
        discussion: """
            Writes, in DIR: kubeconfig; ssh_config with ssh/ (client key, known_hosts); \
            proxmox.env (PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN, PROXMOX_VE_FINGERPRINT) \
            and pki/proxmox-ca.crt; for every scenario but homelab, the GitOps \
            repository gitops.git and its clone gitops; and control.json, through which `ferry lab status`, \
            `move-device` and `fault` reach this lab. On Ctrl-C it stops every server it \
            started and removes control.json.

            \(LabCommandError.exitCodes)
            """)

    @OptionGroup var lab: LabDirectoryOptions

    @Option(help: "Which homelab to stand up: \(LabScenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: String = LabScenario.frigateCoral.rawValue

    @Option(help: "Port for the Kubernetes API; the Proxmox VE API listens on the next one (0 picks free ports).")
    var portBase: Int = 0

    @Option(
        name: .customLong("addon"),
        help: "Run this in the cluster too (repeatable): \(LabAddons.names.map(\.name).joined(separator: ", ")).")
    var addons: [String] = []

    func validate() throws {
        guard LabScenario(rawValue: scenario) != nil else {
            throw ValidationError(
                "Unknown scenario '\(scenario)'. Choose one of: \(LabScenario.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        for addon in addons where !LabAddons.names.contains(where: { $0.name == addon }) {
            throw ValidationError(
                "Unknown addon '\(addon)'. Choose from: \(LabAddons.names.map(\.name).joined(separator: ", ")).")
        }
        guard portBase == 0 || (1...65534).contains(portBase) else {
            throw ValidationError(
                "--port-base must be 0 (free ports) or between 1 and 65534: the lab listens on it and on the next port.")
        }
    }

    func run() async throws {
        try await LabCommandError.reporting {
            try await up()
        }
    }

    private func up() async throws {
        let scenario = LabScenario(rawValue: scenario)!
        let directory = lab.directory
        try await takeOver(directory)
        // Before anything starts, so that a Ctrl-C during start-up still stops it all.
        let signals = SignalWaiter.install()
        let clock = ContinuousClock()
        let began = clock.now
        let running: Lab
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let chosen = LabAddons.names.filter { addons.contains($0.name) }.reduce(into: LabAddons()) { $0.formUnion($1.addon) }
            running = try await scenario.start(directory: directory, portBase: portBase, addons: chosen)
        } catch {
            throw LabCommandError.startFailed(lab.path, error)
        }
        let control: LabControlServer
        do {
            control = try await LabControlServer.start(
                controller: LabController(lab: running, directory: directory, scenario: scenario.rawValue))
        } catch {
            await running.shutdown()
            throw LabCommandError.startFailed(lab.path, error)
        }
        let ready = began.duration(to: clock.now)
        say(await LabUpSummary(lab: running, control: control, directory: directory, scenario: scenario, ready: ready).text)

        let sig = await signals.wait()
        say("\nStopping the lab (\(sig == SIGINT ? "SIGINT" : "SIGTERM"))...")
        await control.shutdown()
        await running.shutdown()
        say("Lab stopped.")
    }

    /// Writes a line to stdout at once: stdout is often a pipe (a test, `| tee`), where
    /// `print` would hold the lines back in its buffer while the lab runs.
    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Refuses a directory whose lab still answers; a `control.json` left by a lab that
    /// did not stop cleanly is replaced.
    private func takeOver(_ directory: URL) async throws {
        let file: LabControlFile?
        do {
            file = try LabControlFile.read(in: directory)
        } catch {
            FileHandle.standardError.write(Data("warning: replacing an unreadable \(LabControlFile.path(in: directory).path)\n".utf8))
            return
        }
        guard let file else { return }
        if await LabControlClient(file: file, dir: lab.path).answers() {
            throw LabCommandError.alreadyRunning(lab.path, url: file.url, pid: file.pid)
        }
        FileHandle.standardError.write(
            Data("warning: \(LabControlFile.path(in: directory).path) was left by a lab that is no longer running; replacing it\n".utf8))
        try? FileManager.default.removeItem(at: LabControlFile.path(in: directory))
    }
}
