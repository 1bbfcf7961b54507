import FerryJSON
import FerryRemote
import Foundation
import Synchronization
import Testing

@testable import FerryProxmox

@Suite("ProxmoxClient against an in-memory Proxmox")
struct ProxmoxClientTests {
    static let upid = "UPID:still-fawn:00001234:0011AA22:65F00000:qmreboot:108:root@pam!ferry:"

    @Test("a VMID's node, name and state come from the cluster resources")
    func location() async throws {
        let transport = FakeTransport { call in
            #expect(call.path == "/cluster/resources" && call.parameters == ["type=vm"])
            return [
                ["id": "qemu/105", "type": "qemu", "vmid": 105, "node": "pumped-piglet", "name": "k3s-vm-pumped-piglet-gpu", "status": "running"],
                ["id": "qemu/108", "type": "qemu", "vmid": "108", "node": "still-fawn", "name": "k3s-vm-still-fawn", "status": "stopped"],
                ["id": "lxc/200", "type": "lxc", "vmid": 200, "node": "pve", "name": "ct", "status": "running"],
            ]
        }
        let client = ProxmoxClient(transport: transport)
        #expect(try await client.vmLocation(vmid: 108) == VMLocation(vmid: 108, node: "still-fawn", name: "k3s-vm-still-fawn", status: "stopped"))
        #expect(try await client.vmLocation(name: "k3s-vm-pumped-piglet-gpu").vmid == 105)
        #expect(try await client.virtualMachines().map(\.vmid) == [105, 108])
        await #expect(throws: ProxmoxError.self) { try await client.vmLocation(vmid: 200) }
        do {
            _ = try await client.vmLocation(vmid: 109)
        } catch {
            #expect(error.code == .notFound)
            #expect(error.description.contains("VM 109"))
        }
    }

    @Test("setConfig sends sorted keys, the delete list and the digest; a stale digest says so")
    func setConfig() async throws {
        let transport = FakeTransport { (call) throws(ProxmoxError) -> JSON in
            if call.parameters.contains("digest=stale") {
                throw ProxmoxError.answer(
                    status: 500, message: "detected modified configuration - file changed by other user? Try again.",
                    request: "PUT \(call.path)", server: "the fake Proxmox", token: nil)
            }
            return .null
        }
        let client = ProxmoxClient(transport: transport)
        try await client.setConfig(
            node: "still-fawn", vmid: 108, set: ["usb1": "host=18d1:9302,usb3=1", "usb0": "host=1a6e:089a,usb3=1"],
            delete: ["usb2", "usb3"], digest: "abc")
        #expect(transport.calls == [FakeTransport.Call(
            method: "PUT", path: "/nodes/still-fawn/qemu/108/config",
            parameters: ["usb0=host=1a6e:089a,usb3=1", "usb1=host=18d1:9302,usb3=1", "delete=usb2,usb3", "digest=abc"])])
        do {
            try await client.setConfig(node: "still-fawn", vmid: 108, delete: ["usb0"], digest: "stale")
            Issue.record("a stale digest was accepted")
        } catch {
            #expect(error.code == .configChanged)
            #expect(error.description.contains("VM 108 on still-fawn"))
        }
        await #expect(throws: ProxmoxError.self) { try await client.setConfig(node: "still-fawn", vmid: 108, set: ["usb0;x": "1"]) }
        await #expect(throws: ProxmoxError.self) { try await client.setConfig(node: "still fawn", vmid: 108, delete: ["usb0"]) }
        #expect(transport.calls.count == 2)
    }

    @Test("waitForTask polls until the task stopped, soon at first and then every pollInterval, on the injected clock")
    func waitForTask() async throws {
        let polls = Mutex(0)
        let transport = FakeTransport { call in
            if call.path.hasSuffix("/status/reboot") { return .string(Self.upid) }
            #expect(call.path == "/nodes/still-fawn/tasks/\(Self.upid)/status")
            let count = polls.withLock { $0 += 1; return $0 }
            return count < 4 ? ["status": "running"] : ["status": "stopped", "exitstatus": "OK", "type": "qmreboot"]
        }
        let clock = InstantClock()
        let client = ProxmoxClient(transport: transport, clock: clock, pollInterval: .seconds(2))
        let upid = try await client.reboot(node: "still-fawn", vmid: 108)
        #expect(upid == Self.upid)
        let status = try await client.waitForTask(node: "still-fawn", upid: upid, timeout: .seconds(300))
        #expect(status.succeeded)
        #expect(polls.withLock { $0 } == 4)
        #expect(clock.elapsed == .milliseconds(10 + 20 + 40))
        polls.withLock { $0 = -6 }
        let start = clock.elapsed
        _ = try await client.waitForTask(node: "still-fawn", upid: upid, timeout: .seconds(300))
        // 10, 20, 40, 80, 160, 320, 640, 1280 ms, then 2 s (the interval).
        #expect(clock.elapsed - start == .milliseconds(2550) + .seconds(2))
    }

    @Test("a task that never stops times out; one that fails says why")
    func taskTimeoutAndFailure() async throws {
        let clock = InstantClock()
        let running = ProxmoxClient(transport: FakeTransport { _ in ["status": "running"] }, clock: clock, pollInterval: .seconds(1))
        do {
            try await running.waitForTask(node: "still-fawn", upid: Self.upid, timeout: .seconds(30))
            Issue.record("no timeout")
        } catch {
            #expect(error.code == .timeout)
            #expect(error.description.contains("qmreboot of VM 108"))
        }
        #expect(clock.elapsed == .seconds(30))
        let failing = ProxmoxClient(transport: FakeTransport { _ in ["status": "stopped", "exitstatus": "VM 108 not running"] })
        do {
            try await failing.waitForTask(node: "still-fawn", upid: Self.upid, timeout: .seconds(30))
            Issue.record("no failure")
        } catch {
            #expect(error.code == .taskFailed)
            #expect(error.description.contains("VM 108 not running"))
        }
        await #expect(throws: ProxmoxError.self) { try await failing.waitForTask(node: "pve", upid: Self.upid, timeout: .seconds(1)) }
    }

    @Test("agent exec sends the arguments and stdin, polls exec-status and decodes the output")
    func agentExec() async throws {
        let polls = Mutex(0)
        let transport = FakeTransport { call in
            switch call.path {
            case "/nodes/still-fawn/qemu/108/agent/exec":
                #expect(call.parameters == ["command=sh", "command=-c", "command=cat; echo oops >&2; exit 3", "input-data=hello"])
                return ["pid": 4242]
            case "/nodes/still-fawn/qemu/108/agent/exec-status":
                #expect(call.parameters == ["pid=4242"])
                let count = polls.withLock { $0 += 1; return $0 }
                return count < 3 ? ["exited": 0] : ["exited": 1, "exitcode": 3, "out-data": "hello", "err-data": "oops\n"]
            default:
                Issue.record("unexpected \(call)")
                return .null
            }
        }
        let client = ProxmoxClient(transport: transport, clock: InstantClock())
        let output = try await client.agentExec(
            node: "still-fawn", vmid: 108, arguments: ["sh", "-c", "cat; echo oops >&2; exit 3"], stdin: Data("hello".utf8))
        #expect(output == CommandOutput(stdout: Data("hello".utf8), stderr: Data("oops\n".utf8), exitCode: 3))
        #expect(ProxmoxClient.output(["exited": true, "signal": 9]).exitCode == 137)
    }

    @Test("the guest agent as VMShell's fallback turns failures into RemoteError")
    func guestAgentExecutor() async throws {
        let transport = FakeTransport { (call) throws(ProxmoxError) -> JSON in
            throw ProxmoxError.answer(
                status: 500, message: "QEMU guest agent is not running", request: "POST \(call.path)", server: "the fake Proxmox", token: nil)
        }
        let agent: any GuestAgentExecutor = ProxmoxClient(transport: transport).guestAgent(node: "still-fawn", vmid: 108)
        do {
            _ = try await agent.execute(["lsusb"], stdin: nil)
            Issue.record("no error")
        } catch {
            #expect(error.attempts.first?.method == .guestAgent)
            #expect(error.attempts.first?.reason.contains("QEMU guest agent is not running") == true)
        }
        let client = ProxmoxClient(transport: transport)
        do {
            try await client.agentPing(node: "still-fawn", vmid: 108)
        } catch {
            #expect(error.code == .guestAgent)
            #expect(error.description.contains("VM 108 on still-fawn"))
        }
    }
}
