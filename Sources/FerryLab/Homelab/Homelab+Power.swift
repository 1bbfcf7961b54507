import Foundation

/// Power operations as Proxmox runs them: each is a worker task with a UPID.
/// `start` and `stop` finish at once; `shutdown` after the guest's shutdown;
/// `reboot` once the guest shut down and QEMU started again with the current
/// config (pending passthrough changes applied). The guest then boots for
/// `Timing.vmBoot`, or forever with `LabFaults.rebootHangs`.
extension Homelab {
    public func start(_ vmid: Int, node: String? = nil, user: String = "root@pam") async throws(HomelabError) -> String {
        let vm = try machine(vmid, on: node)
        guard vm.power == .stopped else { throw .alreadyRunning(vmid) }
        if let refusal = missingCard(vm) { throw .failure(refusal) }
        var task = newTask(node: vm.host, type: "qmstart", id: String(vmid), user: user)
        powerOn(vmid)
        task.log.append("start VM \(vmid): UPID")
        task.finish("OK", at: Date())
        await record(task)
        await syncNode(vmid)
        return task.upid
    }

    /// Hard stop, like pulling the plug.
    public func stop(_ vmid: Int, node: String? = nil, user: String = "root@pam") async throws(HomelabError) -> String {
        let vm = try machine(vmid, on: node)
        var task = newTask(node: vm.host, type: "qmstop", id: String(vmid), user: user)
        if vm.power == .running { powerOff(vmid) }
        task.finish("OK", at: Date())
        await record(task)
        await syncNode(vmid)
        return task.upid
    }

    /// ACPI shutdown: the guest goes down over `Timing.vmShutdown`, then QEMU exits.
    public func shutdown(_ vmid: Int, node: String? = nil, user: String = "root@pam") async throws(HomelabError) -> String {
        let vm = try machine(vmid, on: node)
        guard vm.power == .running else { throw .notRunning(vmid) }
        let task = newTask(node: vm.host, type: "qmshutdown", id: String(vmid), user: user)
        let generation = beginShutdown(vmid)
        await record(task)
        await syncNode(vmid)
        after(timing.vmShutdown) { homelab in await homelab.completeShutdown(vmid, generation: generation, upid: task.upid, restart: false) }
        return task.upid
    }

    /// Shutdown then start, applying pending config (passthrough changes) in between.
    public func reboot(_ vmid: Int, node: String? = nil, user: String = "root@pam") async throws(HomelabError) -> String {
        let vm = try machine(vmid, on: node)
        guard vm.power == .running else { throw .notRunning(vmid) }
        let task = newTask(node: vm.host, type: "qmreboot", id: String(vmid), user: user)
        let generation = beginShutdown(vmid)
        await record(task)
        await syncNode(vmid)
        after(timing.vmShutdown) { homelab in await homelab.completeShutdown(vmid, generation: generation, upid: task.upid, restart: true) }
        return task.upid
    }

    // MARK: Tasks

    public func task(_ upid: String) -> ProxmoxTask? { tasks[upid] }

    /// Waits until the task has stopped and returns it.
    public func waitForTask(_ upid: String) async throws(HomelabError) -> ProxmoxTask {
        guard let task = tasks[upid] else { throw .noSuchTask(upid) }
        if task.status == .stopped { return task }
        return await withCheckedContinuation { continuation in
            taskWaiters[upid, default: []].append(continuation)
        }
    }

    func newTask(node: String, type: String, id: String, user: String) -> ProxmoxTask {
        ProxmoxTask(
            node: node, type: type, id: id, user: user, pid: allocatePid(),
            pstart: Int(Date().timeIntervalSince(hostBoot) * 100), startTime: Date())
    }

    func record(_ task: ProxmoxTask) async {
        tasks[task.upid] = task
        guard task.status == .stopped, let waiters = taskWaiters.removeValue(forKey: task.upid) else { return }
        for waiter in waiters { waiter.resume(returning: task) }
    }

    func finishTask(_ upid: String, _ exitStatus: String) async {
        guard var task = tasks[upid], task.status == .running else { return }
        task.finish(exitStatus, at: Date())
        await record(task)
    }

    // MARK: Transitions

    /// Why QEMU cannot start with the VM's config: a `hostpciN` line names a card its
    /// host does not have (a USB device may be missing; a PCI card may not).
    func missingCard(_ vm: VirtualMachine) -> String? {
        let cards = devices(onHost: vm.host).filter { $0.kind == .pci }
        for (key, entry) in vm.config.pciEntries where !cards.contains(where: { entry.matches($0, host: vm.host, mappings: mappings) }) {
            let named = entry.mapping.map { "mapping '\($0)'" } ?? "'\(entry.address ?? "")'"
            return "\(key): no PCI device found for \(named) on node '\(vm.host)'"
        }
        return nil
    }

    /// QEMU starts with the current config; the guest starts booting.
    private func powerOn(_ vmid: Int) {
        guard var vm = machines[vmid] else { return }
        vm.generation += 1
        vm.power = .running
        vm.guest = .booting
        vm.bootedConfig = vm.config
        vm.startedAt = Date()
        vm.bootedAt = nil
        vm.pid = allocatePid()
        machines[vmid] = vm
        execs[vmid] = [:]
        let generation = vm.generation
        if !faults.rebootHangs.contains(vmid) {
            after(timing.vmBoot) { homelab in await homelab.completeBoot(vmid, generation: generation) }
        }
    }

    private func powerOff(_ vmid: Int) {
        guard var vm = machines[vmid] else { return }
        vm.generation += 1
        vm.power = .stopped
        vm.guest = .off
        vm.bootedConfig = nil
        vm.startedAt = nil
        vm.bootedAt = nil
        vm.pid = nil
        machines[vmid] = vm
        execs[vmid] = [:]
    }

    private func beginShutdown(_ vmid: Int) -> Int {
        guard var vm = machines[vmid] else { return 0 }
        vm.generation += 1
        vm.guest = .shuttingDown
        vm.bootedAt = nil
        machines[vmid] = vm
        return vm.generation
    }

    private func completeShutdown(_ vmid: Int, generation: Int, upid: String, restart: Bool) async {
        guard machines[vmid]?.generation == generation else {
            await finishTask(upid, "VM \(vmid) state changed during \(restart ? "reboot" : "shutdown")")
            return
        }
        powerOff(vmid)
        if restart, let vm = machines[vmid], let refusal = missingCard(vm) {
            // QEMU does not start: the VM stays down, and the task says why.
            await finishTask(upid, refusal)
            await syncNode(vmid)
            return
        }
        if restart { powerOn(vmid) }
        await finishTask(upid, "OK")
        await syncNode(vmid)
    }

    private func completeBoot(_ vmid: Int, generation: Int) async {
        guard var vm = machines[vmid], vm.generation == generation, vm.guest == .booting,
            !faults.rebootHangs.contains(vmid)
        else { return }
        vm.guest = .up
        vm.bootedAt = Date()
        vm.k3sFoundNVIDIARuntime = vm.packages.contains("nvidia-container-toolkit")
        machines[vmid] = vm
        await syncNode(vmid)
    }

    /// Runs `work` on the homelab after `delay` (the lab's simulated time passing).
    nonisolated func after(_ delay: Duration, _ work: @escaping @Sendable (Homelab) async -> Void) {
        Task { [self] in
            try? await Task.sleep(for: delay)
            await work(self)
        }
    }
}
