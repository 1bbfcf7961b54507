/// Why the lab's control endpoint refused a request: a sentence for the user (it is
/// what `ferry lab ...` prints) and the HTTP status it travels with. Errors compare by
/// code, so that new cases can be added without breaking callers.
public struct LabControlError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Int, Sendable {
        case badRequest = 400
        case unauthorized = 401
        case notFound = 404
        case conflict = 409
        case failed = 500
    }

    private let code: Code
    /// The sentence shown to the user, naming what was asked and what there is.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A request that cannot apply whatever the lab's state: an unknown fault, a
    /// missing `--target`, a value out of range.
    public static func badRequest(_ message: String) -> LabControlError { .init(.badRequest, message) }
    /// The bearer token is missing or wrong.
    public static let unauthorized = LabControlError(
        .unauthorized, "the control endpoint refused the token: it is not the one in this lab's control.json")
    /// A device, host, VM or SSH endpoint the lab does not have.
    public static func notFound(_ message: String) -> LabControlError { .init(.notFound, message) }
    /// The lab has the thing but cannot do it now (no GitOps repository in this scenario).
    public static func conflict(_ message: String) -> LabControlError { .init(.conflict, message) }
    /// The lab tried and failed.
    public static func failed(_ message: String) -> LabControlError { .init(.failed, message) }

    /// The HTTP status the endpoint answers with.
    public var status: Int { code.rawValue }

    /// Rebuilds the error a client received (`status` and the body's `error`).
    public init(status: Int, message: String) {
        self.init(Code(rawValue: status) ?? .failed, message)
    }

    public var description: String { message }

    public static func == (lhs: LabControlError, rhs: LabControlError) -> Bool { lhs.code == rhs.code }
}
