import Foundation
import NIOCore
import NIOSSH

/// Serves one SSH session channel: takes its `exec` request, collects stdin, runs the
/// command line through the endpoint's `SSHCommandHandler` and answers as sshd does:
/// stdout as channel data, stderr as extended data, `exit-status`, close. (sshd sends
/// EOF before the exit status; swift-nio-ssh 0.15.1 rejects an EOF sent after the
/// client's own EOF, and the close that follows tells OpenSSH the same.)
///
/// Stdin: a client whose stdin is empty or /dev/null sends EOF right after the exec;
/// the command then runs with what arrived. Once data arrives the command waits for
/// EOF. A client that sends neither (a terminal left open) is not waited for: after
/// `stdinGrace` the command runs with empty stdin, as a real command that never reads
/// stdin would run at once.
///
/// Anything but `exec` is declined: `shell` (a login without a command) gets a message
/// on stderr and exit status 1; `pty-req`, `subsystem` (sftp) and `env` are refused.
final class SSHExecHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData

    /// Printed when a client asks for an interactive shell.
    static let noShellMessage = "ferry lab: interactive shells are not supported; run a command: ssh HOST COMMAND\n"

    private let handler: any SSHCommandHandler
    private let session: SSHSession
    private let stdinGrace: TimeAmount
    private var command: String?
    private var stdin = Data()
    private var inputClosed = false
    private var started = false
    private var graceTimer: Scheduled<Void>?

    init(handler: any SSHCommandHandler, session: SSHSession, stdinGrace: TimeAmount) {
        self.handler = handler
        self.session = session
        self.stdinGrace = stdinGrace
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let exec as SSHChannelRequestEvent.ExecRequest:
            guard command == nil, !started else { return reply(false, wanted: exec.wantReply, context: context) }
            command = exec.command
            reply(true, wanted: exec.wantReply, context: context)
            if inputClosed {
                start(channel: context.channel)
            } else {
                let channel = context.channel
                graceTimer = context.eventLoop.assumeIsolated().scheduleTask(in: stdinGrace) {
                    if self.stdin.isEmpty { self.start(channel: channel) }
                }
            }
        case let shell as SSHChannelRequestEvent.ShellRequest:
            guard command == nil, !started else { return reply(false, wanted: shell.wantReply, context: context) }
            started = true
            reply(true, wanted: shell.wantReply, context: context)
            decline(channel: context.channel)
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            reply(false, wanted: request.wantReply, context: context)
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            reply(false, wanted: request.wantReply, context: context)
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            reply(false, wanted: request.wantReply, context: context)
        case ChannelEvent.inputClosed:
            inputClosed = true
            if command != nil { start(channel: context.channel) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard message.type == .channel, case .byteBuffer(let bytes) = message.data, !started else { return }
        stdin.append(contentsOf: bytes.readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        graceTimer?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func reply(_ success: Bool, wanted: Bool, context: ChannelHandlerContext) {
        guard wanted else { return }
        let event: any Sendable = success ? ChannelSuccessEvent() : ChannelFailureEvent()
        context.triggerUserOutboundEvent(event, promise: nil)
    }

    /// A session without a command: say why on stderr and exit 1.
    private func decline(channel: any Channel) {
        let result = SSHCommandResult(stderr: Self.noShellMessage, exitStatus: 1)
        Task { await SSHResultWriter.send(result, on: channel) }
    }

    private func start(channel: any Channel) {
        guard !started, let command else { return }
        started = true
        graceTimer?.cancel()
        let handler = handler
        let input = stdin
        let user = session.user ?? ""
        Task {
            let result = await handler.run(commandLine: command, user: user, stdin: input)
            await SSHResultWriter.send(result, on: channel)
        }
    }
}

/// Writes a command's result to its session channel.
enum SSHResultWriter {
    /// Sends the result in sshd's order (less the EOF: see `SSHExecHandler`), each part
    /// written before the next is sent, so that the exit status never overtakes output
    /// held back by the SSH window.
    static func send(_ result: SSHCommandResult, on channel: any Channel) async {
        do {
            for (bytes, type) in [(result.stdout, SSHChannelData.DataType.channel), (result.stderr, .stdErr)] where !bytes.isEmpty {
                try await channel.writeAndFlush(SSHChannelData(type: type, data: .byteBuffer(ByteBuffer(bytes: bytes))))
            }
            let status = SSHChannelRequestEvent.ExitStatus(exitStatus: Int(UInt32(bitPattern: result.exitStatus)))
            try await channel.triggerUserOutboundEvent(status).get()
        } catch {
            // The client went away first; there is no one left to tell.
        }
        try? await channel.close().get()
    }
}
