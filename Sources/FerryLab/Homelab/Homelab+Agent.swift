import Foundation

/// The QEMU guest agent: ping, and exec / exec-status, which run commands in the
/// guest through `VMCommands`. It answers only while the guest is up, the agent is
/// enabled in the config (`agent: 1`), installed in the guest and not switched off
/// by `LabFaults.guestAgentAbsent`, and fails with Proxmox's messages otherwise.
extension Homelab {
    /// One command started through the agent; its output is ready after `Timing.guestExec`.
    struct GuestExec: Sendable {
        let result: CommandResult
        let readyAt: Date
    }

    public func agentPing(_ vmid: Int, node: String? = nil) throws(HomelabError) {
        try checkAgent(vmid, node: node)
    }

    /// Starts `command` in the guest and returns its pid for `agentExecStatus`.
    public func agentExec(_ vmid: Int, node: String? = nil, command: [String], input: String? = nil) async throws(HomelabError) -> Int {
        try checkAgent(vmid, node: node)
        guard !command.isEmpty else { throw .parameters(["command": "property is missing and it is not optional"]) }
        let result = await VMCommands(homelab: self, vmid: vmid).run(command, stdin: input ?? "")
        let pid = allocatePid()
        execs[vmid, default: [:]][pid] = GuestExec(result: result, readyAt: Date().addingTimeInterval(timing.guestExec.seconds))
        return pid
    }

    /// nil while the command runs; its result once it exited.
    public func agentExecStatus(_ vmid: Int, node: String? = nil, pid: Int) throws(HomelabError) -> CommandResult? {
        try checkAgent(vmid, node: node)
        guard let exec = execs[vmid]?[pid] else { throw .noSuchPid(pid) }
        return Date() < exec.readyAt ? nil : exec.result
    }

    /// Whether the agent would answer now, and the error it fails with otherwise.
    func checkAgent(_ vmid: Int, node: String?) throws(HomelabError) {
        let vm = try machine(vmid, on: node)
        guard vm.power == .running else { throw .notRunning(vmid) }
        guard vm.config.agentEnabled else { throw .agentNotConfigured }
        guard vm.isUp, vm.agentInstalled, !faults.guestAgentAbsent.contains(vmid) else { throw .agentNotRunning }
    }

    /// Whether the guest's agent answers (for `qm agent ping` and the VM's status).
    public func agentResponds(_ vmid: Int) -> Bool {
        (try? checkAgent(vmid, node: nil)) != nil
    }

    /// Installs packages in the guest (what `apt-get install` does there).
    func install(_ packages: [String], inVM vmid: Int) async {
        guard var vm = machines[vmid] else { return }
        vm.packages.formUnion(packages)
        if packages.contains("qemu-guest-agent") { vm.agentInstalled = true }
        machines[vmid] = vm
        await syncNode(vmid)
    }

    /// `systemctl restart k3s` (or `k3s-agent`): K3s looks for container runtimes again.
    func restartK3s(inVM vmid: Int) async {
        guard var vm = machines[vmid], vm.isUp else { return }
        vm.k3sFoundNVIDIARuntime = vm.packages.contains("nvidia-container-toolkit")
        machines[vmid] = vm
        await syncNode(vmid)
    }
}
