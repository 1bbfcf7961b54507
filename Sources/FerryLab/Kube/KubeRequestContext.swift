import Hummingbird
import NIOCore

/// The per-request context of the lab's API servers: Hummingbird's core storage
/// plus the connection, from which authentication reads the client certificate.
public struct KubeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
