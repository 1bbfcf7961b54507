import FerryJSON

/// A failed call to the Kubernetes API. Compare by `code`; read `description` for
/// a sentence that says what failed, where, and what to do.
public struct KubeClientError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The API answered with a Status: its HTTP code and reason (`NotFound`, `Conflict`...).
        case status(Int, reason: String)
        case transport
        case tls
        case credentials
        case decoding
        case timeout
    }

    public var code: Code
    public var description: String
    /// The apiserver's own message, when it sent one.
    public var message: String?

    public var isNotFound: Bool { if case .status(404, _) = code { return true } else { return false } }
    public var isConflict: Bool { if case .status(409, "Conflict") = code { return true } else { return false } }
    public var isAlreadyExists: Bool { if case .status(409, "AlreadyExists") = code { return true } else { return false } }
    public var isGone: Bool { if case .status(410, _) = code { return true } else { return false } }

    static func status(_ status: JSON, httpCode: Int, request: String) -> KubeClientError {
        let reason = status["reason"].stringValue ?? ""
        let message = status["message"].stringValue ?? "HTTP \(httpCode)"
        let text: String
        switch httpCode {
        case 401:
            text = "\(request): the cluster did not accept the credentials (401 Unauthorized). Check the user of your kubeconfig context."
        case 403:
            text = "\(request): forbidden: \(message)"
        default:
            text = "\(request): \(message)"
        }
        return KubeClientError(code: .status(httpCode, reason: reason), description: text, message: message)
    }

    static func transport(_ text: String) -> KubeClientError { KubeClientError(code: .transport, description: text) }
    static func tls(_ text: String) -> KubeClientError { KubeClientError(code: .tls, description: text) }
    static func credentials(_ text: String) -> KubeClientError { KubeClientError(code: .credentials, description: text) }
    static func decoding(_ text: String) -> KubeClientError { KubeClientError(code: .decoding, description: text) }
    static func timeout(_ text: String) -> KubeClientError { KubeClientError(code: .timeout, description: text) }
}
