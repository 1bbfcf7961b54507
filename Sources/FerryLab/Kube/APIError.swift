import FerryJSON

/// A failed API request, carried as the `Status` body a real apiserver returns so
/// that kubectl and our own client print the message Kubernetes users know.
public struct APIError: Error, Sendable, Equatable {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSON

    public init(code: Int, reason: String, message: String, details: JSON = .null) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    /// The `metav1.Status` object for this error.
    public var status: JSON {
        var status: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        if details != .null { status["details"] = details }
        return status
    }

    static func details(_ kind: ResourceKind, _ name: String) -> JSON {
        var details: JSON = ["name": .string(name), "kind": .string(kind.resource)]
        if !kind.group.isEmpty { details["group"] = .string(kind.group) }
        return details
    }

    public static func notFound(_ kind: ResourceKind, _ name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(kind.qualifiedResource) \"\(name)\" not found",
            details: details(kind, name))
    }

    public static func alreadyExists(_ kind: ResourceKind, _ name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(kind.qualifiedResource) \"\(name)\" already exists",
            details: details(kind, name))
    }

    public static func conflict(_ kind: ResourceKind, _ name: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(kind.qualifiedResource) \"\(name)\": the object has been "
                + "modified; please apply your changes to the latest version and try again",
            details: details(kind, name))
    }

    /// 422 with one cause per invalid field, worded like apiserver validation.
    public static func invalid(_ kind: ResourceKind, _ name: String, field: String, _ problem: String) -> APIError {
        var details = details(kind, name)
        details["kind"] = .string(kind.kind)
        details["causes"] = [["reason": "FieldValueInvalid", "message": .string(problem), "field": .string(field)]]
        let qualifiedKind = kind.group.isEmpty ? kind.kind : "\(kind.kind).\(kind.group)"
        return APIError(
            code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(field): \(problem)",
            details: details)
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    public static func methodNotAllowed(_ message: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    public static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: message)
    }

    public static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    public static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }
}
