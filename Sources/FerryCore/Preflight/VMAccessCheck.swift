import FerryRemote

/// Can ferry run commands in the target VM, and how: SSH with the plan's short
/// timeout, else the QEMU guest agent through Proxmox. The blueprint's scripts 06-08
/// failed because SSH to the VM was broken; the method found here is what the run
/// records and uses for every later command in that VM.
struct VMAccessCheck: Sendable {
    let plan: MigrationPlan
    let connections: Connections
    var name: String { "vm-access \(plan.target.vm)" }
    var waitsFor: String { "SSH to \(plan.target.vm) and the guest agent of VM \(plan.target.vmid)" }

    func run() async -> (result: PreflightResult, method: RemoteMethod?) {
        let target = plan.target
        let shell = connections.vmShell(for: target, sshTimeout: plan.timeouts.ssh.duration, commandTimeout: .seconds(30))
        do {
            let method = try await shell.probe()
            switch method {
            case .ssh:
                return (.pass(name, "SSH to \(target.vm) works: VM commands will run over SSH"), method)
            case .guestAgent:
                return (.pass(name,
                              "SSH to \(target.vm) does not connect, but the QEMU guest agent of VM \(target.vmid) answers: "
                                  + "VM commands will run through the guest agent"), method)
            }
        } catch where error.hostKeyChange != nil {
            return (.fail(name, error.description, fix: error.hostKeyChange?.fix ?? ""), nil)
        } catch {
            return (.fail(name, error.description,
                          fix: "make one of them work: `ssh \(target.vm) true` (sshd running, your key accepted, host key known), "
                              + "or the guest agent: `systemctl start qemu-guest-agent` in the VM and "
                              + "`qm set \(target.vmid) --agent enabled=1` on \(target.host)"), nil)
        }
    }
}
