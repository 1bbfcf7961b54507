import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// The lab's Helm template subset, rendered without a lab: each construct, Go's
/// whitespace trimming, and the refusals that name what the chart used.
@Suite("Helm templates")
struct HelmTemplateTests {
    static let chart = HelmChart.Metadata(name: "frigate", version: "0.3.0", appVersion: "0.14.1")

    static func render(_ text: String, values: JSON = [:], file: String = "templates/t.yaml") throws -> String {
        try HelmTemplate(file: file, text: text)
            .render(HelmTemplate.context(values: values, release: "cams", namespace: "nvr", chart: chart))
    }

    static func failure(_ text: String, values: JSON = [:], file: String = "templates/t.yaml") -> String? {
        do {
            _ = try render(text, values: values, file: file)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func valuesReleaseAndChartFieldsPrint() throws {
        let text = "{{ .Values.image.repository }}:{{ .Values.image.tag }} {{ .Release.Name }}/{{ .Release.Namespace }} "
            + "{{ .Chart.Name }}-{{ .Chart.Version }} ({{ .Chart.AppVersion }}) n={{ .Values.n }} on={{ .Values.on }} [{{ .Values.missing }}]"
        let values: JSON = ["image": ["repository": "ghcr.io/x", "tag": "1.2"], "n": 3, "on": true]
        #expect(try Self.render(text, values: values) == "ghcr.io/x:1.2 cams/nvr frigate-0.3.0 (0.14.1) n=3 on=true []")
    }

    @Test func toYamlWithNindentAndIndent() throws {
        let text = """
            spec:
              nodeSelector:
                {{- toYaml .Values.nodeSelector | nindent 4 }}
              resources: {{- .Values.resources | toYaml | nindent 4 }}
            list:
            {{ toYaml .Values.list | indent 2 }}
            """
        let values: JSON = ["nodeSelector": ["kubernetes.io/hostname": "pve"], "resources": ["limits": ["nvidia.com/gpu": 1, "memory": "4Gi"]], "list": ["a", "b"]]
        #expect(try Self.render(text, values: values) == """
            spec:
              nodeSelector:
                kubernetes.io/hostname: pve
              resources:
                limits:
                  memory: 4Gi
                  nvidia.com/gpu: 1
            list:
              - a
              - b
            """)
    }

    @Test func ifElseFollowsHelmTruthiness() throws {
        let text = "{{ if .Values.a }}yes{{ else }}no{{ end }}"
        for falsy: JSON in [false, 0, "", .null, [:], []] {
            #expect(try Self.render(text, values: ["a": falsy]) == "no", "\(falsy)")
        }
        for truthy: JSON in [true, 1, "x", ["k": "v"], ["x"]] {
            #expect(try Self.render(text, values: ["a": truthy]) == "yes", "\(truthy)")
        }
        #expect(try Self.render("{{ if .Values.a }}a{{ else if .Values.b }}b{{ else }}c{{ end }}", values: ["b": 1]) == "b")
    }

    @Test func withMovesTheDotToTheValue() throws {
        let text = "{{ with .Values.gpu }}{{ .vendor }} x{{ .count }}{{ else }}none{{ end }}|{{ with .Values.none }}never{{ end }}"
        #expect(try Self.render(text, values: ["gpu": ["vendor": "nvidia", "count": 1]]) == "nvidia x1|")
        #expect(try Self.render(text, values: [:]) == "none|")
        #expect(try Self.render("{{- with .Values.sel }}\nsel:\n  {{- toYaml . | nindent 2 }}\n{{- end }}", values: ["sel": ["a": "b"]])
            == "\nsel:\n  a: b")
    }

    @Test func defaultAndQuote() throws {
        #expect(try Self.render(#"{{ .Values.tag | default "stable" }} {{ .Values.set | default "x" }}"#, values: ["set": "v"]) == "stable v")
        #expect(try Self.render("{{ .Values.tag | default .Chart.AppVersion }}") == "0.14.1")
        #expect(try Self.render("{{ .Values.name | quote }} {{ quote .Values.n }}", values: ["name": #"a "b""#, "n": 5]) == #""a \"b\"" "5""#)
        #expect(try Self.render(#"{{ .Values.port | default 5000 | quote }}"#) == #""5000""#)
    }

    /// `{{-` eats every whitespace before it, newlines included; `-}}` every one after.
    @Test func trimMarkersTrimAsGoDoes() throws {
        #expect(try Self.render("a  \n\n  {{- .Values.x }}  \n b", values: ["x": "X"]) == "aX  \n b")
        #expect(try Self.render("a  {{ .Values.x -}} \n\n  b", values: ["x": "X"]) == "a  Xb")
        #expect(try Self.render("a\n{{- /* a comment */ -}}\nb") == "ab")
        #expect(try Self.render("a\n{{/* a comment */}}\nb") == "a\n\nb")
        #expect(try Self.render("x: {{-3}}") == "x: -3", "a negative number is not a trim marker")
        let block = """
            spec:
              {{- if .Values.runtimeClassName }}
              runtimeClassName: {{ .Values.runtimeClassName }}
              {{- end }}
              containers: []
            """
        #expect(try Self.render(block, values: ["runtimeClassName": "nvidia"]) == "spec:\n  runtimeClassName: nvidia\n  containers: []")
        #expect(try Self.render(block, values: [:]) == "spec:\n  containers: []")
    }

    @Test func anUnsupportedConstructFailsNamingItAndItsFileAndLine() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"x.fullname\" . }}\n"
        #expect(Self.failure(text, file: "templates/configmap.yaml")
            == #"templates/configmap.yaml:4: function "include" is not in the lab's Helm subset (docs/LAB.md: the helm-controller)"#)
        #expect(Self.failure("a\n{{ tpl .Values.x . }}")?.hasPrefix(#"templates/t.yaml:2: function "tpl""#) == true)
        #expect(Self.failure("{{ printf \"%s\" .Values.x }}")?.contains(#"function "printf" is not in the lab's Helm subset"#) == true)
        #expect(Self.failure("{{ required \"x\" .Values.x }}")?.contains(#"function "required""#) == true)
        #expect(Self.failure("{{ range .Values.list }}{{ . }}{{ end }}")?.contains(#"action "range" is not in the lab's Helm subset"#) == true)
        #expect(Self.failure("{{ define \"x\" }}y{{ end }}")?.contains(#"action "define""#) == true)
        #expect(Self.failure("{{ $name := .Values.x }}")?.contains(#"variable "$name" is not in the lab's Helm subset"#) == true)
        #expect(Self.failure("{{ .Files.Get \"x\" }}")?.contains("a method call (.Files.Get with arguments) is not in the lab's Helm subset") == true)
        #expect(Self.failure("{{ .Capabilities.KubeVersion }}")?.contains(".Capabilities is not in the lab's Helm subset") == true)
        #expect(Self.failure("{{ .Release.Revision }}")?.contains(".Release.Revision is not in the lab's Helm subset") == true)
        #expect(Self.failure("{{ if .Values.x }}open")?.contains("has no {{end}}") == true)
        #expect(Self.failure("{{ .Values.a.b }}") == "templates/t.yaml:1: nil pointer evaluating interface {}.b")
    }

    @Test func aChartRendersItsTemplatesIntoObjectsSkippingPartialsAndNotes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chart-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = [
            "Chart.yaml": "apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: \"2.1\"\n",
            "values.yaml": "greeting: hello\nextra: false\n",
            "templates/_helpers.tpl": "{{ define \"x\" }}never rendered{{ end }}",
            "templates/NOTES.txt": "{{ include \"x\" . }}",
            "templates/config.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {{ .Release.Name }}-config
                data:
                  greeting: {{ .Values.greeting | quote }}
                ---
                {{- if .Values.extra }}
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: extra
                {{- end }}
                """,
        ]
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let chart = try HelmChart(directory: directory, path: "./demo")
        #expect(chart.metadata == HelmChart.Metadata(name: "demo", version: "1.0.0", appVersion: "2.1"))
        #expect(chart.templates.map(\.file) == ["templates/config.yaml"])
        let objects = try chart.render(values: chart.values, release: "r", namespace: "ns")
        #expect(objects.count == 1, "the empty second document is dropped")
        #expect(objects.first?["metadata"]["name"] == "r-config")
        #expect(objects.first?["data"]["greeting"] == "hello")
        let both = try chart.render(values: HelmValues.merge(chart.values, ["extra": true]), release: "r", namespace: "ns")
        #expect(both.map(\.name) == ["r-config", "extra"])
    }

    @Test func valuesMergeMapsKeyByKeyAndReplaceEverythingElse() {
        let base: JSON = ["image": ["repository": "x", "tag": "1"], "args": ["a", "b"], "n": 1]
        let merged = HelmValues.merge(base, ["image": ["tag": "2"], "args": ["c"], "n": ["now": "a map"]])
        #expect(merged == ["image": ["repository": "x", "tag": "2"], "args": ["c"], "n": ["now": "a map"]])
        #expect(HelmValues.digest(["b": 1, "a": 2]) == HelmValues.digest(["a": 2, "b": 1]), "canonical JSON")
        #expect(HelmValues.digest(["a": 1]).hasPrefix("sha256:"))
    }
}
