import FerryJSON

/// One chart template in the part of Helm's language the lab renders: values and the
/// release's and chart's names (`{{ .Values.a.b }}`, `.Release.Name`,
/// `.Release.Namespace`, `.Chart.Name`, `.Chart.Version`, `.Chart.AppVersion`),
/// `if`/`else if`/`else`, `with`, comments, the functions `toYaml`, `indent`,
/// `nindent`, `default` and `quote` with pipelines, and Go's `{{-`/`-}}` trimming.
///
/// Anything else (`include`, `tpl`, `range`, `define`, variables…) fails the render with
/// the construct, the file and the line, rather than rendering something Helm would
/// not: a chart the lab cannot render must say so.
///
/// ```swift
/// let template = try HelmTemplate(file: "templates/cm.yaml", text: "name: {{ .Release.Name }}")
/// let text = try template.render(HelmTemplate.context(values: [:], release: "frigate", namespace: "frigate", chart: chart))
/// ```
struct HelmTemplate: Sendable {
    let file: String
    let nodes: [Node]

    indirect enum Node: Sendable {
        case text(String)
        case output(Pipeline)
        /// `if` (or `with`, which also moves `.` to the value) with its branches.
        case branch(isWith: Bool, Pipeline, then: [Node], otherwise: [Node])
    }

    /// `a | f x | g`: each command after the first gets the previous result as its last argument.
    struct Pipeline: Sendable {
        var commands: [Command]
        var line: Int
    }

    enum Command: Sendable {
        case operand(Operand)
        case call(String, [Operand])
    }

    enum Operand: Sendable {
        /// `.` (empty) or `.Values.a.b`.
        case field([String])
        case literal(JSON)
    }

    /// The functions the lab implements (see `HelmFunctions`).
    static let functions: Set<String> = ["toYaml", "indent", "nindent", "default", "quote"]

    init(file: String, text: String) throws(HelmTemplateError) {
        self.file = file
        let pieces = try HelmTemplateLexer(file: file).pieces(text)
        var parser = HelmTemplateParser(file: file, pieces: pieces)
        nodes = try parser.parseAll()
    }

    /// The object a chart's templates see as `.`.
    static func context(values: JSON, release: String, namespace: String, chart: HelmChart.Metadata) -> JSON {
        [
            "Values": values.objectValue == nil ? .emptyObject : values,
            "Release": ["Name": .string(release), "Namespace": .string(namespace), "Service": "Helm"],
            "Chart": ["Name": .string(chart.name), "Version": .string(chart.version), "AppVersion": .string(chart.appVersion)],
        ]
    }

    func render(_ context: JSON) throws(HelmTemplateError) -> String {
        try HelmTemplateEvaluator(file: file).render(nodes, dot: context)
    }
}

/// A template the lab cannot parse or render: `templates/x.yaml:12: …`.
struct HelmTemplateError: Error, CustomStringConvertible, Equatable {
    var file: String
    var line: Int
    var message: String

    var description: String { "\(file):\(line): \(message)" }

    /// A construct of Helm's language the lab does not implement.
    static func unsupported(_ what: String, file: String, line: Int) -> HelmTemplateError {
        HelmTemplateError(
            file: file, line: line, message: "\(what) is not in the lab's Helm subset (docs/LAB.md: the helm-controller)")
    }
}
