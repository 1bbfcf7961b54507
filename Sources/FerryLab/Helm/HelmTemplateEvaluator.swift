import FerryJSON

/// Runs a parsed template against its context as Go's text/template does under Helm:
/// a missing map key is empty (Helm's `missingkey=zero`, printed as nothing), a field
/// of a missing value is a nil-pointer error, `with` moves `.` to its value.
struct HelmTemplateEvaluator {
    let file: String

    /// `atRoot`: `.` is the chart's context, not a value `with` moved it to.
    func render(_ nodes: [HelmTemplate.Node], dot: JSON, atRoot: Bool = true) throws(HelmTemplateError) -> String {
        var output = ""
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .output(let pipeline):
                output += HelmFunctions.printed(try evaluate(pipeline, dot: dot, atRoot: atRoot))
            case .branch(let isWith, let pipeline, let then, let otherwise):
                let value = try evaluate(pipeline, dot: dot, atRoot: atRoot)
                if HelmFunctions.isTrue(value) {
                    output += try isWith ? render(then, dot: value, atRoot: false) : render(then, dot: dot, atRoot: atRoot)
                } else {
                    output += try render(otherwise, dot: dot, atRoot: atRoot)
                }
            }
        }
        return output
    }

    private func evaluate(_ pipeline: HelmTemplate.Pipeline, dot: JSON, atRoot: Bool) throws(HelmTemplateError) -> JSON {
        var result: JSON?
        for command in pipeline.commands {
            switch command {
            case .operand(let operand):
                guard result == nil else {
                    throw HelmTemplateError(file: file, line: pipeline.line, message: "non-function in a pipeline after |")
                }
                result = try value(operand, dot: dot, atRoot: atRoot, line: pipeline.line)
            case .call(let name, let operands):
                var arguments: [JSON] = []
                for operand in operands { arguments.append(try value(operand, dot: dot, atRoot: atRoot, line: pipeline.line)) }
                if let result { arguments.append(result) }
                do {
                    result = try HelmFunctions.call(name, arguments)
                } catch {
                    throw HelmTemplateError(file: file, line: pipeline.line, message: "error calling \(name): \(error.description)")
                }
            }
        }
        return result ?? .null
    }

    private func value(_ operand: HelmTemplate.Operand, dot: JSON, atRoot: Bool, line: Int) throws(HelmTemplateError) -> JSON {
        switch operand {
        case .literal(let value):
            return value
        case .field(let path):
            return try field(path, of: dot, atRoot: atRoot, line: line)
        }
    }

    /// `.a.b.c` from `dot`. At the chart's root only `.Values`, `.Release` and `.Chart`
    /// (and their listed fields) exist: `.Files`, `.Capabilities`, `.Release.Revision`…
    /// are refused by name instead of rendering as empty.
    private func field(_ path: [String], of dot: JSON, atRoot: Bool, line: Int) throws(HelmTemplateError) -> JSON {
        var current = dot
        for (depth, name) in path.enumerated() {
            let builtIn = atRoot && depth < 2 && (depth == 0 || path[0] != "Values")
            switch current {
            case .object(let fields):
                if builtIn, fields[name] == nil {
                    let shown = path.prefix(depth + 1).map { ".\($0)" }.joined()
                    throw HelmTemplateError.unsupported("\(shown)", file: file, line: line)
                }
                current = fields[name] ?? .null
            case .null:
                throw HelmTemplateError(file: file, line: line, message: "nil pointer evaluating interface {}.\(name)")
            default:
                throw HelmTemplateError(
                    file: file, line: line, message: "can't evaluate field \(name) in type \(HelmFunctions.goType(current))")
            }
        }
        return current
    }
}
