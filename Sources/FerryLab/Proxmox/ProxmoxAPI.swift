import Foundation
import FerryJSON

/// The Proxmox VE API of the homelab, independent of transport: `ProxmoxAPIServer`
/// serves it over HTTPS and `HostCommands` answers `pvesh` with it. Paths are
/// relative to `/api2/json`; the answer is what goes into `{"data": ...}`.
///
/// ```swift
/// let vms = try await ProxmoxAPI(homelab: homelab).call("GET", "/cluster/resources", ProxmoxParameters(["type": ["vm"]]))
/// ```
public struct ProxmoxAPI: Sendable {
    public let homelab: Homelab

    public init(homelab: Homelab) {
        self.homelab = homelab
    }

    public func call(
        _ method: String, _ path: String, _ parameters: ProxmoxParameters = .init(), user: String = "root@pam"
    ) async throws(HomelabError) -> JSON {
        let parts = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let route = ProxmoxPath(method: method, parts: parts)
        // A host that is not on does not answer: the cluster's proxy cannot reach it.
        if parts.count > 1, parts[0] == "nodes", await homelab.host(parts[1]) != nil, await homelab.hostPower(parts[1]) != .on {
            throw HomelabError.failure("595 No route to host (\(parts[1]) is \(await homelab.hostPower(parts[1]).rawValue))", status: 595)
        }
        if route.is("GET", "version") {
            return ["version": "8.3.2", "release": "8.3", "repoid": "3e76eec21c4a14a7"]
        } else if route.is("GET", "cluster", "resources") {
            return await clusterResources(type: parameters["type"])
        } else if route.is("GET", "nodes") {
            return await nodes()
        } else if let node = route.match("POST", "nodes", "*", "status")?.first {
            try await requireNode(node)
            guard parameters["command"] == "shutdown" else {
                throw HomelabError.parameters(["command": "value '\(parameters["command"] ?? "")' does not have a value in the enumeration 'reboot, shutdown'"])
            }
            try await homelab.shutdownHost(node)
            return .null
        } else if let node = route.match("GET", "nodes", "*", "hardware", "usb")?.first {
            try await requireNode(node)
            return .array(ProxmoxViews.usb(await homelab.devices(onHost: node)))
        } else if let node = route.match("GET", "nodes", "*", "hardware", "pci")?.first {
            try await requireNode(node)
            return .array(ProxmoxViews.pci(await homelab.devices(onHost: node)))
        } else if let found = route.match("GET", "cluster", "mapping", "*", "*"), let kind = ResourceMappingSpec.Kind(rawValue: found[0]) {
            guard let mapping = await homelab.mappings.first(where: { $0.kind == kind && $0.name == found[1] }) else {
                throw HomelabError.failure("mapping '\(found[1])' not found", status: 500)
            }
            return ["id": .string(mapping.name), "type": .string(kind.rawValue), "map": .array(mapping.map.map { .string($0) })]
        } else if let node = route.match("GET", "nodes", "*", "qemu")?.first {
            try await requireNode(node)
            return .array(await homelab.virtualMachines.filter { $0.host == node }.map { ProxmoxViews.vmListEntry($0) })
        } else if let found = route.match("GET", "nodes", "*", "tasks", "*", "status") {
            return try await task(found[1], node: found[0]).statusJSON
        } else if let found = route.match("GET", "nodes", "*", "tasks", "*", "log") {
            let task = try await task(found[1], node: found[0])
            return .array(task.log.enumerated().map { ["n": .int(Int64($0.offset + 1)), "t": .string($0.element)] })
        } else if parts.count > 4, parts[0] == "nodes", parts[2] == "qemu" {
            guard let vmid = Int(parts[3]), vmid >= 100 else {
                throw HomelabError.parameters(["vmid": "type check ('integer') failed - got '\(parts[3])'"])
            }
            return try await vm(method, node: parts[1], vmid: vmid, Array(parts.dropFirst(4)), parameters, user: user)
        }
        throw HomelabError.failure("Method '\(method) /\(parts.joined(separator: "/"))' not implemented", status: 501)
    }

    private func vm(
        _ method: String, node: String, vmid: Int, _ rest: [String], _ parameters: ProxmoxParameters, user: String
    ) async throws(HomelabError) -> JSON {
        let route = ProxmoxPath(method: method, parts: rest)
        if route.is("GET", "config") {
            let config = try await homelab.config(vmid, node: node, current: parameters.flag("current"))
            return ProxmoxViews.config(config)
        } else if route.is("GET", "pending") {
            return ProxmoxViews.pending(try await homelab.config(vmid, node: node), try await homelab.pendingChanges(vmid, node: node))
        } else if route.is("PUT", "config") {
            try await updateConfig(vmid, node: node, parameters)
            return .null
        } else if route.is("POST", "config") {
            return try await updateConfigInTask(vmid, node: node, parameters, user: user)
        } else if route.is("GET", "status", "current") {
            return ProxmoxViews.status(try await homelab.machine(vmid, on: node))
        } else if let action = route.match("POST", "status", "*")?.first {
            switch action {
            case "start": return .string(try await homelab.start(vmid, node: node, user: user))
            case "stop": return .string(try await homelab.stop(vmid, node: node, user: user))
            case "shutdown": return .string(try await homelab.shutdown(vmid, node: node, user: user))
            case "reboot": return .string(try await homelab.reboot(vmid, node: node, user: user))
            default: break
            }
        } else if route.is("POST", "agent", "ping") {
            try await homelab.agentPing(vmid, node: node)
            return ["result": .emptyObject]
        } else if route.is("POST", "agent", "exec") {
            var command = parameters.all("command")
            if command.count == 1, let words = try? ShellWords.split(command[0]), words.count > 1 { command = words }
            let pid = try await homelab.agentExec(vmid, node: node, command: command, input: parameters["input-data"])
            return ["pid": .int(Int64(pid))]
        } else if route.is("GET", "agent", "exec-status") {
            guard let pid = parameters["pid"].flatMap(Int.init) else {
                throw HomelabError.parameters(["pid": "property is missing and it is not optional"])
            }
            return ProxmoxViews.execStatus(try await homelab.agentExecStatus(vmid, node: node, pid: pid))
        }
        throw HomelabError.failure("Method '\(method) /nodes/\(node)/qemu/\(vmid)/\(rest.joined(separator: "/"))' not implemented", status: 501)
    }

    /// The PUT/POST config parameters: keys to set, `delete` (comma list), `digest`.
    private func updateConfig(_ vmid: Int, node: String, _ parameters: ProxmoxParameters) async throws(HomelabError) {
        let control: Set<String> = ["delete", "digest", "revert", "skiplock", "background_delay", "node", "vmid", "force"]
        var changes: [String: String] = [:]
        for key in parameters.keys where !control.contains(key) { changes[key] = parameters[key] }
        let delete = parameters.all("delete").flatMap { $0.split(whereSeparator: { ", ;".contains($0) }).map(String.init) }
        try await homelab.updateConfig(vmid, node: node, set: changes, delete: delete, digest: parameters["digest"])
    }

    /// POST config is asynchronous in Proxmox: parameter errors come back at once,
    /// everything else (a stale digest) ends the `qmconfig` task with an error.
    private func updateConfigInTask(_ vmid: Int, node: String, _ parameters: ProxmoxParameters, user: String) async throws(HomelabError) -> JSON {
        _ = try await homelab.machine(vmid, on: node)
        var task = await homelab.newTask(node: node, type: "qmconfig", id: String(vmid), user: user)
        do {
            try await updateConfig(vmid, node: node, parameters)
            task.log.append("update VM \(vmid): " + parameters.keys.filter { $0 != "digest" }.map { "-\($0) \(parameters[$0] ?? "")" }.joined(separator: " "))
            task.finish("OK", at: Date())
        } catch where error.status == 400 {
            throw error
        } catch {
            task.finish(error.message, at: Date())
        }
        await homelab.record(task)
        return .string(task.upid)
    }

    /// `GET /nodes`: a host not on is `offline`, without its figures.
    private func nodes() async -> JSON {
        var entries: [JSON] = []
        for host in homelab.hosts {
            var entry = ProxmoxViews.node(host)
            if await homelab.hostPower(host.name) != .on {
                entry = ["id": .string("node/\(host.name)"), "type": "node", "node": .string(host.name), "status": "offline"]
            }
            entries.append(entry)
        }
        return .array(entries)
    }

    private func requireNode(_ node: String) async throws(HomelabError) {
        guard await homelab.host(node) != nil else { throw .noSuchNode(node) }
    }

    private func task(_ upid: String, node: String) async throws(HomelabError) -> ProxmoxTask {
        guard ProxmoxTask.node(of: upid) != nil else { throw .parameters(["upid": "unable to parse worker upid '\(upid)'"]) }
        guard let task = await homelab.task(upid), task.node == node else { throw .noSuchTask(upid) }
        return task
    }

    private func clusterResources(type: String?) async -> JSON {
        var items: [JSON] = []
        if type == nil || type == "node", let nodes = await nodes().arrayValue {
            items += nodes
        }
        if type == nil || type == "vm" {
            items += await homelab.virtualMachines.map { ProxmoxViews.clusterVM($0) }
        }
        return .array(items)
    }
}

/// A request path split into segments, matched against patterns where `*` is a
/// captured segment.
struct ProxmoxPath {
    let method: String
    let parts: [String]

    func match(_ method: String, _ pattern: String...) -> [String]? {
        guard method == self.method, pattern.count == parts.count else { return nil }
        var captures: [String] = []
        for (expected, actual) in zip(pattern, parts) {
            if expected == "*" { captures.append(actual) } else if expected != actual { return nil }
        }
        return captures
    }

    func `is`(_ method: String, _ pattern: String...) -> Bool {
        guard method == self.method, pattern == parts else { return false }
        return true
    }
}
