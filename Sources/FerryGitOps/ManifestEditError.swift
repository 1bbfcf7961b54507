/// A manifest edit that cannot be made, with where in the file and what to do about it.
/// Nothing is written when an edit fails: the file stays as it was.
///
///     apps/frigate/deployment.yaml:22:7: spec.template.spec.nodeSelector has no field "kubernetes.io/hostnme": its fields are kubernetes.io/hostname, coral.ai/tpu
public struct ManifestEditError: Error, Sendable, Hashable, CustomStringConvertible {
    fileprivate enum Code: String, Sendable, Hashable {
        case syntax, notFound, ambiguousDocument, typeMismatch, textNotFound, notEditableInPlace
    }

    private let code: Code
    public let file: String
    public let line: Int
    public let column: Int
    public let message: String
    /// What to change in the plan or the file; nil when the message says it all.
    public let hint: String?

    private init(_ code: Code, _ file: String, _ position: ManifestPoint, _ message: String, hint: String?) {
        self.code = code
        self.file = file
        self.line = position.line + 1
        self.column = position.column + 1
        self.message = message
        self.hint = hint
    }

    public var description: String {
        "\(file):\(line):\(column): \(message)" + (hint.map { ": \($0)" } ?? "")
    }

    /// What went wrong, for callers and tests to compare: `error.kind == .notFound`.
    public var kind: Kind { Kind(code) }

    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate let code: Code
        fileprivate init(_ code: Code) { self.code = code }
        public var description: String { code.rawValue }

        /// The file is not valid YAML.
        public static let syntax = Kind(.syntax)
        /// A path component (a key, an index, a `name=VALUE` item, a document) is not in the file.
        public static let notFound = Kind(.notFound)
        /// Several documents have the path and the edit names none of them.
        public static let ambiguousDocument = Kind(.ambiguousDocument)
        /// The field holds another kind of value than the edit works on.
        public static let typeMismatch = Kind(.typeMismatch)
        /// The text to replace does not occur in the field.
        public static let textNotFound = Kind(.textNotFound)
        /// The field is written in a form ferry does not edit in place (flow style, a
        /// multi-line quoted scalar), or the edit would have changed more than the field.
        public static let notEditableInPlace = Kind(.notEditableInPlace)
    }

    static func syntax(_ file: String, _ at: ManifestPoint, _ message: String) -> Self {
        Self(.syntax, file, at, message, hint: "the file is not valid YAML; fix it in the repository first")
    }

    static func notFound(_ file: String, _ at: ManifestPoint, _ message: String, hint: String? = nil) -> Self {
        Self(.notFound, file, at, message, hint: hint)
    }

    static func ambiguousDocument(_ file: String, _ at: ManifestPoint, _ message: String, hint: String) -> Self {
        Self(.ambiguousDocument, file, at, message, hint: hint)
    }

    static func typeMismatch(_ file: String, _ at: ManifestPoint, _ message: String, hint: String? = nil) -> Self {
        Self(.typeMismatch, file, at, message, hint: hint)
    }

    static func textNotFound(_ file: String, _ at: ManifestPoint, _ message: String, hint: String? = nil) -> Self {
        Self(.textNotFound, file, at, message, hint: hint)
    }

    static func notEditableInPlace(_ file: String, _ at: ManifestPoint, _ message: String, hint: String? = nil) -> Self {
        Self(.notEditableInPlace, file, at, message, hint: hint)
    }
}
