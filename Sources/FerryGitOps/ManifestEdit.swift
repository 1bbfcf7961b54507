import FerryJSON

/// One change to one field of a Kubernetes manifest, made in the file's text so that
/// comments and every untouched line stay as the person wrote them.
///
/// ```swift
/// let edit = ManifestEdit(
///     path: ["spec", "template", "spec", "containers", "name=frigate", "resources", "limits", "nvidia.com/gpu"],
///     operation: .remove)
/// let text = try ManifestEditor.apply([edit], to: original, file: "apps/frigate/deployment.yaml")
/// ```
public struct ManifestEdit: Sendable, Hashable {
    /// Which document of a multi-document file; needed only when the path exists in several.
    public var document: DocumentSelector?
    public var path: ManifestPath
    public var operation: Operation

    public init(document: DocumentSelector? = nil, path: ManifestPath, operation: Operation) {
        self.document = document
        self.path = path
        self.operation = operation
    }

    public enum Operation: Sendable, Hashable {
        /// Set a scalar field, creating it (and missing mappings above it) when absent.
        ///
        /// A `.string` set on a field that holds a number or a boolean keeps the field's
        /// type when the text reads as one (`"2"` on `replicas: 1` writes `replicas: 2`),
        /// because plan files carry every value as text; text that does not read as the
        /// field's type is a type mismatch rather than a silent change of type.
        case set(JSON)
        /// Remove the field (or list item) with its whole block.
        case remove
        /// Replace every occurrence of `from` inside a string field, block scalars
        /// (`config.yml: |`) included; `from` must occur.
        case replace(from: String, to: String)
    }
}

/// `KIND/NAME` of one document in a multi-document (`---`) file. The kind is matched
/// without regard to case, as `kubectl get deployment/frigate` does.
public struct DocumentSelector: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    /// `Deployment/frigate`; nil unless there is exactly one `/` with text on both sides.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(kind: String(parts[0]), name: String(parts[1]))
    }

    public var description: String { "\(kind)/\(name)" }

    func matches(_ document: JSON) -> Bool {
        document["kind"].stringValue?.lowercased() == kind.lowercased() && document["metadata"]["name"].stringValue == name
    }
}

/// The path of a field inside a manifest, as a list because keys may contain dots and
/// slashes (`kubernetes.io/hostname`).
public struct ManifestPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public enum Component: Sendable, Hashable, CustomStringConvertible {
        /// A mapping key.
        case key(String)
        /// A list item by position, from 0.
        case index(Int)
        /// The list item whose `field` is `value` (`name=frigate` among containers).
        case item(field: String, value: String)

        /// `0` is an index, `name=frigate` an item (split at the first `=`), anything else a
        /// key. Inside a mapping every component is taken as the key it is written as, so
        /// a key that looks like an index or a selector still works.
        public init(parsing text: String) {
            if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let index = Int(text) {
                self = .index(index)
            } else if let equals = text.firstIndex(of: "="), equals != text.startIndex,
                text.index(after: equals) != text.endIndex
            {
                self = .item(field: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
            } else {
                self = .key(text)
            }
        }

        /// The component as written in a plan's path.
        public var text: String {
            switch self {
            case .key(let key): key
            case .index(let index): String(index)
            case .item(let field, let value): "\(field)=\(value)"
            }
        }

        public var description: String { text }
    }

    public var components: [Component]

    public init(_ components: [Component]) { self.components = components }

    /// Each text parsed as `Component(parsing:)`.
    public init(parsing texts: [String]) { self.components = texts.map(Component.init(parsing:)) }

    public init(arrayLiteral elements: String...) { self.init(parsing: elements) }

    /// `spec.template.spec.containers[name=frigate].resources.limits["nvidia.com/gpu"]`,
    /// the way kubectl's JSONPath quotes keys that contain dots.
    public var description: String { Self.display(components[...]) }

    static func display(_ components: ArraySlice<Component>) -> String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key) where key.contains(".") || key.isEmpty:
                text += "[\"\(key)\"]"
            case .key(let key):
                text += text.isEmpty ? key : ".\(key)"
            case .index, .item:
                text += "[\(component.text)]"
            }
        }
        return text.isEmpty ? "the document" : text
    }
}
