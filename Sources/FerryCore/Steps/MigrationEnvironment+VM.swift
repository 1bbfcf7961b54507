import FerryRemote
import Foundation

extension MigrationEnvironment {
    /// Runs a shell command line in a VM (SSH, else the guest agent), recording how.
    func run(_ command: String, in shell: VMShell, _ context: StepContext) async throws -> CommandOutput {
        do {
            let (output, method) = try await shell.run(["sh", "-c", command])
            await context.used(method)
            return output
        } catch {
            throw StepFailure(
                "cannot run `\(command)` in \(shell.host): \(error)",
                fix: "make SSH to \(shell.host) work (ssh \(shell.host) true) or enable the QEMU guest agent in the VM, then `ferry resume`")
        }
    }

    /// Waits, looking every `pollInterval` (Proxmox has no events), until `probe` says yes.
    func poll(_ timeout: Duration, _ probe: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if try await probe() { return true }
            if clock.now >= deadline { return false }
            try await clock.sleep(for: min(pollInterval, deadline - clock.now))
        }
    }
}
