import FerryJSON
import FerryRemote
import Foundation
import Synchronization
import Testing

@testable import FerryProxmox

/// Stands in for `ssh`: records the arguments and answers with a fixed output.
final class RecordingRunner: ProcessRunner {
    let output: CommandOutput
    let arguments = Mutex<[String]>([])

    init(_ output: CommandOutput) { self.output = output }

    func run(_ executable: String, _ arguments: [String], environment: [String: String], stdin: Data?, workingDirectory: URL?)
        async throws -> CommandOutput
    {
        self.arguments.withLock { $0 = arguments }
        return output
    }
}

@Suite("SSHTransport runs pvesh")
struct SSHTransportTests {
    func transport(stdout: String = "", stderr: String = "", exit: Int32 = 0) -> (SSHTransport, RecordingRunner) {
        let runner = RecordingRunner(CommandOutput(stdout: Data(stdout.utf8), stderr: Data(stderr.utf8), exitCode: exit))
        return (SSHTransport(host: "still-fawn.maas", ssh: SSHClient(runner: runner)), runner)
    }

    @Test("a PUT is pvesh set with --key value arguments, quoted for the remote shell")
    func arguments() async throws {
        let (transport, runner) = transport(stdout: "null\n")
        let data = try await transport.put("/nodes/still-fawn/qemu/108/config", parameters: [("usb0", "host=1a6e:089a,usb3=1"), ("description", "it's; rm -rf /")])
        #expect(data == .null)
        let command = try #require(runner.arguments.withLock { $0 }.last)
        #expect(command == "pvesh set /nodes/still-fawn/qemu/108/config --usb0 host=1a6e:089a,usb3=1 --description 'it'\"'\"'s; rm -rf /' --output-format json")
    }

    @Test("pvesh's JSON is the data")
    func json() async throws {
        let (transport, _) = transport(stdout: "{\"cores\":4,\"digest\":\"ab\"}\n")
        #expect(try await transport.get("/nodes/still-fawn/qemu/108/config") == ["cores": 4, "digest": "ab"])
    }

    @Test("pvesh's parameter errors and messages become API errors, ssh's own failures connection errors")
    func errors() async throws {
        let parameter = SSHTransport.failure(
            "400 Parameter verification failed.\nusb0: invalid format - value does not look like a valid USB device\n",
            exitCode: 255, request: "PUT /x", server: "pvesh on h")
        #expect(parameter.code == .api(status: 400))
        #expect(parameter.description.contains("usb0: invalid format"))
        let missing = SSHTransport.failure(
            "Configuration file 'nodes/still-fawn/qemu-server/109.conf' does not exist\n", exitCode: 255, request: "GET /x", server: "pvesh on h")
        #expect(missing.code == .notFound)

        let (refused, _) = transport(stderr: "ssh: connect to host 127.0.0.1 port 2222: Connection refused\n", exit: 255)
        do {
            _ = try await refused.get("/version")
            Issue.record("no error")
        } catch {
            #expect(error.code == .connection)
            #expect(error.description.contains("still-fawn.maas"))
        }
        let (failing, _) = transport(stderr: "Configuration file 'nodes/still-fawn/qemu-server/109.conf' does not exist\n", exit: 255)
        await #expect(throws: ProxmoxError.self) { try await failing.get("/nodes/still-fawn/qemu/109/config") }
        do { _ = try await failing.get("/nodes/still-fawn/qemu/109/config") } catch { #expect(error.code == .notFound) }
    }

    @Test("keys and paths that could be read as options or syntax are refused")
    func refusesOddNames() async {
        let (transport, runner) = transport()
        await #expect(throws: ProxmoxError.self) { try await transport.put("/nodes/x/qemu/108/config", parameters: [("-o", "x")]) }
        await #expect(throws: ProxmoxError.self) { try await transport.get("/nodes/x y/qemu") }
        await #expect(throws: ProxmoxError.self) { try await transport.get("/nodes/../etc") }
        #expect(runner.arguments.withLock { $0 }.isEmpty)
    }
}
