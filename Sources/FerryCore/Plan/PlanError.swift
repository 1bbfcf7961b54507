/// One thing wrong in a plan file, at the line and column where it is.
///
/// Printed as a compiler prints a diagnostic, so that editors can jump to it:
///
///     migration.yaml:12:9: devices[0].ids[1]: "1a6e:08" is not a USB id: expected VENDOR:PRODUCT with 4 hex digits each, e.g. 1a6e:089a
public struct PlanProblem: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; problems compare by kind in tests and callers.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case syntax = "YAML syntax error"
            case unknownKey = "unknown key"
            case wrongType = "wrong type"
            case missing = "missing field"
            case invalidValue = "invalid value"
            case conflict = "conflicting fields"
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The file is not well-formed YAML.
        public static let syntax = Kind(.syntax)
        /// A key the schema does not have (often a typo: see the hint).
        public static let unknownKey = Kind(.unknownKey)
        /// A value of the wrong YAML type (a list where a mapping belongs, text for a number).
        public static let wrongType = Kind(.wrongType)
        /// A required field is absent.
        public static let missing = Kind(.missing)
        /// A value of the right type that is not valid (a name, an id, a duration, a URL).
        public static let invalidValue = Kind(.invalidValue)
        /// Fields that cannot be used together, or a reference to something the plan lacks.
        public static let conflict = Kind(.conflict)

        public var description: String { code.rawValue }
    }

    public var kind: Kind
    public var file: String
    public var line: Int
    public var column: Int
    /// The field, as `devices[0].ids[1]`; empty for the document itself.
    public var path: String
    public var message: String
    /// What to write instead; nil when the message says it all.
    public var hint: String?

    public init(kind: Kind, file: String, line: Int, column: Int, path: String, message: String, hint: String? = nil) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "\(file):\(line):\(column): "
        if !path.isEmpty { text += "\(path): " }
        text += message
        if let hint { text += ": \(hint)" }
        return text
    }
}

/// A plan file that cannot be used, with every problem found in it (not only the first),
/// in the order they appear in the file.
public struct PlanError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var problems: [PlanProblem]

    public init(file: String, problems: [PlanProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem, then what to do.
    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return (problems.map(\.description) + ["\(file): \(count); fix the plan and run the command again."])
            .joined(separator: "\n")
    }
}
