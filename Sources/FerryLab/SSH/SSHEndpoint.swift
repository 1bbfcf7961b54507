import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSH
import Synchronization

/// One simulated machine's sshd: listens on 127.0.0.1, proves itself with its own
/// Ed25519 host key, lets in only the lab's client key, and hands each `exec`'s command
/// line to its `SSHCommandHandler`. Any number of session channels per connection, so
/// OpenSSH's ControlMaster multiplexing works.
///
/// The `refused` fault stands for a machine whose sshd is down or firewalled: the
/// listener is closed, so new connections get ECONNREFUSED, and the connections already
/// open (a ControlMaster's too) are dropped, so nothing gets through. The port stays
/// held meanwhile by a socket that is bound but does not listen (still ECONNREFUSED):
/// a closed port was taken by another lab's endpoint in the same process, and ssh,
/// meeting that endpoint's host key, rightly reported a changed key. Clearing the fault
/// listens again on the same port.
///
/// ```swift
/// let endpoint = try await SSHEndpoint.start(name: "still-fawn.maas", authorizedKey: keys.publicKey, handler: host)
/// // ssh -p \(endpoint.port) root@127.0.0.1 qm config 108
/// try await endpoint.setRefused(true)
/// ```
public actor SSHEndpoint {
    public nonisolated let name: String
    public nonisolated let port: Int
    /// The host key clients must find in known_hosts under `name`.
    public nonisolated let hostKey: OpenSSHPublicKey
    private nonisolated let connections: SSHConnections
    private let bootstrap: ServerBootstrap
    private var listener: (any Channel)?
    /// While refused: the socket that holds the port (`PortHold`).
    private var hold: PortHold?
    private var stopped = false

    /// How long a command waits for stdin when the client sends neither data nor EOF.
    public static let defaultStdinGrace: TimeAmount = .milliseconds(250)

    private init(
        name: String, port: Int, hostKey: OpenSSHPublicKey, connections: SSHConnections, bootstrap: ServerBootstrap,
        listener: (any Channel)?
    ) {
        self.name = name
        self.port = port
        self.hostKey = hostKey
        self.connections = connections
        self.bootstrap = bootstrap
        self.listener = listener
    }

    /// Starts listening on 127.0.0.1:`port` (0 picks a free port) with a new host key.
    /// With `refused`, the port is chosen but nothing listens until the fault is cleared.
    public static func start(
        name: String, port requestedPort: Int = 0, authorizedKey: OpenSSHPublicKey, handler: any SSHCommandHandler,
        refused: Bool = false, stdinGrace: TimeAmount = defaultStdinGrace
    ) async throws -> SSHEndpoint {
        let signingKey = Curve25519.Signing.PrivateKey()
        let hostKey = NIOSSHPrivateKey(ed25519Key: signingKey)
        let connections = SSHConnections()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                let session = SSHSession()
                return channel.eventLoop.makeCompletedFuture {
                    let authenticator = SSHClientKeyAuthenticator(authorizedKey: authorizedKey, session: session)
                    let ssh = NIOSSHHandler(
                        role: .server(.init(hostKeys: [hostKey], userAuthDelegate: authenticator)),
                        allocator: channel.allocator,
                        inboundChildChannelInitializer: { child, type in
                            guard case .session = type else {
                                return child.eventLoop.makeFailedFuture(LabError(description: "only session channels are served"))
                            }
                            return child.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).flatMapThrowing {
                                try child.pipeline.syncOperations.addHandler(
                                    SSHExecHandler(handler: handler, session: session, stdinGrace: stdinGrace))
                            }
                        })
                    try channel.pipeline.syncOperations.addHandlers([ssh, SSHCloseOnError()])
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(host: "127.0.0.1", port: requestedPort).get()
        } catch {
            throw LabError(description: "the SSH endpoint for \(name) could not listen on 127.0.0.1:\(requestedPort): \(error)")
        }
        let port = listener.localAddress?.port ?? requestedPort
        if refused { try await listener.close().get() }
        let endpoint = SSHEndpoint(
            name: name, port: port, hostKey: OpenSSHPublicKey(ed25519: signingKey.publicKey, comment: name),
            connections: connections, bootstrap: bootstrap, listener: refused ? nil : listener)
        if refused { await endpoint.holdPort() }
        return endpoint
    }

    private func holdPort() {
        hold = PortHold(port: port)
    }

    /// Whether the `refused` fault is on (nothing listens).
    public var isRefused: Bool { listener == nil && !stopped }

    /// TCP connections accepted since the start (a ControlMaster's connection counts once).
    public nonisolated var connectionsAccepted: Int { connections.accepted }

    /// Switches the `refused` fault on (close the listener and drop open connections)
    /// or off (listen again on the same port).
    public func setRefused(_ refused: Bool) async throws {
        guard !stopped else { return }
        if refused {
            guard let listener else { return }
            self.listener = nil
            try? await listener.close().get()
            await connections.closeAll()
            hold = PortHold(port: port)
        } else {
            guard listener == nil else { return }
            hold = nil
            do {
                listener = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
            } catch {
                throw LabError(description: "the SSH endpoint for \(name) could not listen again on 127.0.0.1:\(port): \(error)")
            }
        }
    }

    /// Closes the listener and every connection.
    public func stop() async {
        stopped = true
        hold = nil
        if let listener {
            self.listener = nil
            try? await listener.close().get()
        }
        await connections.closeAll()
    }
}

/// The TCP connections an endpoint has open, so that a fault or a stop can drop them.
final class SSHConnections: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var accepted = 0
    }
    private let state = Mutex(State())

    var accepted: Int { state.withLock { $0.accepted } }

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock {
            $0.open[id] = channel
            $0.accepted += 1
        }
        channel.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.open.removeValue(forKey: id) } }
    }

    func closeAll() async {
        let open = state.withLock { Array($0.open.values) }
        for channel in open {
            try? await channel.close().get()
        }
    }
}

/// Closes a connection whose SSH handling failed (bad packet, failed key exchange):
/// the client sees the connection end, as with an sshd that gives up.
final class SSHCloseOnError: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A TCP socket bound to 127.0.0.1:PORT that never listens: connections to the port
/// are refused, and a socket that asks for a free port (port 0, as every lab server
/// does) is never given it, so the port stays this endpoint's while its sshd is
/// "down". It binds with SO_REUSEADDR: the connections the fault just dropped leave
/// TIME_WAIT sockets on the port, which refuse a bind without it (CI once lost the
/// port that way). Nil when the port cannot be held: then it is only closed.
final class PortHold: Sendable {
    private let descriptor: Int32

    init?(port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var reuse: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            return nil
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }
}
