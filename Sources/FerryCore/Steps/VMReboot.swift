import FerryKube
import FerryProxmox
import FerryRemote
import Foundation

/// Reboots a VM through Proxmox and waits until it answers again (SSH or guest
/// agent) and its Kubernetes node is Ready: passthrough changes only take effect
/// at boot.
struct VMReboot: Sendable {
    let environment: MigrationEnvironment
    let side: MigrationPlan.Endpoint
    let shell: VMShell

    /// Journaled once Proxmox took the reboot: a resumed step need not reboot again.
    static let requested = "rebootRequested"

    func reboot(_ context: StepContext) async throws {
        let proxmox = environment.connections.proxmox
        let timeouts = environment.plan.timeouts
        context.waiting("VM \(side.vmid) (\(side.vm)) to reboot on \(side.host)")
        let status = try await proxmox.status(node: side.host, vmid: side.vmid)
        let upid = status.status == "running"
            ? try await proxmox.reboot(node: side.host, vmid: side.vmid)
            : try await proxmox.start(node: side.host, vmid: side.vmid)
        try await context.remember(Self.requested, upid)
        do {
            _ = try await proxmox.waitForTask(node: side.host, upid: upid, timeout: timeouts.vmBoot.duration)
        } catch {
            throw StepFailure(
                "VM \(side.vmid) did not finish rebooting: \(error)",
                fix: "look at VM \(side.vmid) on \(side.host) (qm status \(side.vmid); its console), then `ferry resume`")
        }
        try await waitAnswers(context)
        try await waitNodeReady(context)
    }

    /// Until a command runs in the VM by either method.
    func waitAnswers(_ context: StepContext) async throws {
        context.waiting("\(side.vm) to answer (SSH or guest agent)")
        var last = ""
        let answered = try await environment.poll(environment.plan.timeouts.vmBoot.duration) {
            do {
                let method = try await shell.probe()
                await context.used(method)
                return true
            } catch {
                last = String(describing: error)
                return false
            }
        }
        guard answered else {
            throw StepFailure(
                "\(side.vm) did not answer within \(environment.plan.timeouts.vmBoot) of its reboot: \(last)",
                fix: "look at VM \(side.vmid)'s console on \(side.host): if it hangs in its boot, `qm reset \(side.vmid)` there; "
                    + "if it booted, start its guest agent (and `qm set \(side.vmid) --agent 1`) or fix SSH; then `ferry resume`")
        }
    }

    func waitNodeReady(_ context: StepContext) async throws {
        context.waiting("node \(side.node) to be Ready")
        let timeout = environment.plan.timeouts.nodeReady
        do {
            _ = try await environment.kube.waitFor(.nodes, side.node, timeout: timeout.duration, waitingFor: "node \(side.node) Ready") {
                $0.map { Node(json: $0).isReady } ?? false
            }
        } catch {
            guard isTimeout(error) else { throw error }
            throw StepFailure(
                "node \(side.node) was not Ready within \(timeout) of the VM's reboot",
                fix: "kubectl describe node \(side.node); check k3s in the VM (systemctl status k3s), then `ferry resume`")
        }
    }
}
