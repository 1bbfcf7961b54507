import Testing

@testable import FerryLab
import FerryJSON

private func j(_ text: String) -> JSON {
    do { return try JSON.parse(text) } catch { fatalError("bad test JSON: \(text)") }
}

private func labelError(_ text: String) -> String? {
    do {
        _ = try LabelSelector(parsing: text)
        return nil
    } catch {
        return error.message
    }
}

@Suite("Label selectors")
struct LabelSelectorTests {
    let web: [String: String] = ["app": "web", "tier": "frontend", "env": "prod"]

    @Test("equality, inequality and ==")
    func equality() throws {
        #expect(try LabelSelector(parsing: "app=web").matches(web))
        #expect(try LabelSelector(parsing: "app==web,tier=frontend").matches(web))
        #expect(try !LabelSelector(parsing: "app!=web").matches(web))
        #expect(try LabelSelector(parsing: "missing!=x").matches(web))
    }

    @Test("in, notin, exists and !exists")
    func setOperators() throws {
        #expect(try LabelSelector(parsing: "env in (prod, staging)").matches(web))
        #expect(try !LabelSelector(parsing: "env notin (prod)").matches(web))
        #expect(try LabelSelector(parsing: "other notin (prod)").matches(web))
        #expect(try LabelSelector(parsing: "app,!canary").matches(web))
        #expect(try !LabelSelector(parsing: "!app").matches(web))
        #expect(try LabelSelector(parsing: "a=b,c!=d,e in (x,y),f notin (z),g,!h").matches(["a": "b", "e": "x", "g": ""]))
    }

    @Test("gt and lt compare integers")
    func numeric() throws {
        #expect(try LabelSelector(parsing: "gen>3").matches(["gen": "4"]))
        #expect(try !LabelSelector(parsing: "gen<3").matches(["gen": "4"]))
        #expect(try !LabelSelector(parsing: "gen>3").matches(["gen": "x"]))
    }

    @Test("the empty selector selects everything")
    func empty() throws {
        let selector = try LabelSelector(parsing: "")
        #expect(selector.isEverything)
        #expect(selector.matches([:]))
        #expect(try !LabelSelector(parsing: "a=b").isEverything)
    }

    @Test("parse errors read like apimachinery's")
    func parseErrors() {
        #expect(labelError("app=web extra") == "found 'extra', expected: ',' or 'end of string'")
        #expect(labelError("env in prod") == "unable to parse requirement: found 'prod' expected: '('")
        #expect(labelError("a=b,") == "found '', expected: identifier after ','")
        #expect(labelError("app in (a") == "unable to parse requirement: found '', expected: ',' or ')'")
        #expect(labelError("=x") == "found '=', expected: !, identifier, or 'end of string'")
        #expect(labelError("a (b)") == "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt")
        #expect(labelError("gen>x")?.hasSuffix("for 'Gt', 'Lt' operators, the value must be an integer") == true)
        #expect(labelError("-bad=x")?.hasPrefix("unable to parse requirement: key: Invalid value: \"-bad\": name part must consist of") == true)
        #expect(labelError("a=b$c")?.hasPrefix("unable to parse requirement: values[0][a]: Invalid value: \"b$c\": a valid label must be") == true)
    }

    @Test("metav1.LabelSelector with matchLabels and matchExpressions")
    func fromJSON() throws {
        let selector = try LabelSelector(json: j(#"""
            {"matchLabels":{"app":"web"},
             "matchExpressions":[{"key":"env","operator":"In","values":["prod","staging"]},
                                 {"key":"canary","operator":"DoesNotExist"}]}
            """#))
        #expect(selector.matches(web))
        #expect(!selector.matches(web.merging(["canary": "1"]) { $1 }))
        #expect(try LabelSelector(json: j("{}")).isEverything)
        #expect(try !LabelSelector(json: .null).matches(web))
    }

    @Test("metav1.LabelSelector rejects unknown operators and empty In")
    func fromJSONErrors() {
        #expect(throws: SelectorError(message: "\"Equals\" is not a valid label selector operator")) {
            try LabelSelector(json: j(#"{"matchExpressions":[{"key":"a","operator":"Equals"}]}"#))
        }
        #expect(throws: SelectorError(message: "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty")) {
            try LabelSelector(json: j(#"{"matchExpressions":[{"key":"a","operator":"In"}]}"#))
        }
    }
}

@Suite("Field selectors")
struct FieldSelectorTests {
    let scheduled = j(#"{"metadata":{"name":"web-1","namespace":"default"},"spec":{"nodeName":"node-a"},"status":{"phase":"Running"}}"#)
    let pending = j(#"{"metadata":{"name":"web-2","namespace":"default"},"spec":{},"status":{"phase":"Pending"}}"#)

    @Test("spec.nodeName=node-a selects the pods on that node")
    func nodeName() throws {
        let selector = try FieldSelector(parsing: "spec.nodeName=node-a", for: ResourceCatalog.pods)
        #expect(selector.matches(scheduled))
        #expect(!selector.matches(pending))
    }

    @Test("!= and an empty value select unscheduled pods")
    func notEqualAndEmpty() throws {
        #expect(try FieldSelector(parsing: "spec.nodeName!=node-a", for: ResourceCatalog.pods).matches(pending))
        #expect(try FieldSelector(parsing: "spec.nodeName=", for: ResourceCatalog.pods).matches(pending))
        #expect(try !FieldSelector(parsing: "spec.nodeName==", for: ResourceCatalog.pods).matches(scheduled))
        #expect(try FieldSelector(parsing: "status.phase=Running,metadata.namespace=default", for: ResourceCatalog.pods).matches(scheduled))
    }

    @Test("booleans compare as true/false, absent as false")
    func booleans() throws {
        let node = j(#"{"metadata":{"name":"n1"},"spec":{}}"#)
        #expect(try FieldSelector(parsing: "spec.unschedulable=false", for: ResourceCatalog.nodes).matches(node))
        #expect(try FieldSelector(parsing: "spec.hostNetwork=true", for: ResourceCatalog.pods)
            .matches(j(#"{"spec":{"hostNetwork":true}}"#)))
    }

    @Test("unsupported fields are rejected with the apiserver's message")
    func unsupported() {
        #expect(throws: SelectorError(message: "field label not supported: spec.foo")) {
            try FieldSelector(parsing: "spec.foo=bar", for: ResourceCatalog.pods)
        }
        #expect(throws: SelectorError(message: "field label not supported: metadata.namespace")) {
            try FieldSelector(parsing: "metadata.namespace=x", for: ResourceCatalog.nodes)
        }
        #expect(throws: SelectorError(message: #""spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace""#)) {
            try FieldSelector(parsing: "spec.replicas=1", for: ResourceCatalog.deployments)
        }
        #expect(throws: SelectorError(message: "invalid selector: 'nonsense'; can't understand 'nonsense'")) {
            try FieldSelector(parsing: "nonsense", for: ResourceCatalog.pods)
        }
    }

    @Test("per-kind fields: events, secrets, namespaces")
    func kinds() throws {
        let event = j(#"{"involvedObject":{"kind":"Pod","name":"web-1"},"reason":"Started","reportingComponent":"kubelet","type":"Normal"}"#)
        #expect(try FieldSelector(parsing: "involvedObject.name=web-1,involvedObject.kind=Pod,source=kubelet", for: ResourceCatalog.events).matches(event))
        #expect(try FieldSelector(parsing: "type=kubernetes.io/tls", for: ResourceCatalog.secrets).matches(j(#"{"type":"kubernetes.io/tls"}"#)))
        #expect(try FieldSelector(parsing: "status.phase=Active", for: ResourceCatalog.namespaces).matches(j(#"{"status":{"phase":"Active"}}"#)))
    }

    @Test("requiredName is the pinned metadata.name")
    func requiredName() throws {
        #expect(try FieldSelector(parsing: "metadata.name=web-1", for: ResourceCatalog.pods).requiredName == "web-1")
        #expect(try FieldSelector(parsing: "metadata.name!=web-1", for: ResourceCatalog.pods).requiredName == nil)
        #expect(try FieldSelector(parsing: "", for: ResourceCatalog.pods).requiredName == nil)
        #expect(try FieldSelector(parsing: "", for: ResourceCatalog.pods).isEverything)
    }

    @Test("escaped commas and equals signs in values")
    func escapes() throws {
        #expect(try FieldSelector(parsing: #"metadata.name=a\,b"#, for: ResourceCatalog.configMaps)
            .matches(j(#"{"metadata":{"name":"a,b"}}"#)))
        #expect(throws: SelectorError(message: "invalid field selector: unescaped character in value: =")) {
            try FieldSelector(parsing: "metadata.name=a=b", for: ResourceCatalog.configMaps)
        }
    }
}

@Suite("Node selectors")
struct NodeSelectorTests {
    let labels = ["zone": "a", "disk": "ssd", "cores": "8"]

    @Test("terms are ORed and requirements within a term ANDed")
    func orAnd() throws {
        let selector = try NodeSelector(json: j(#"""
            {"nodeSelectorTerms":[
              {"matchExpressions":[{"key":"zone","operator":"In","values":["b"]}]},
              {"matchExpressions":[{"key":"zone","operator":"In","values":["a"]},
                                   {"key":"disk","operator":"NotIn","values":["hdd"]},
                                   {"key":"gpu","operator":"DoesNotExist"},
                                   {"key":"cores","operator":"Exists"}]}]}
            """#))
        #expect(selector.matches(labels: labels, nodeName: "n1"))
        #expect(!selector.matches(labels: ["zone": "c"], nodeName: "n1"))
        #expect(!selector.matches(labels: labels.merging(["gpu": "1"]) { $1 }, nodeName: "n1"))
    }

    @Test("Gt and Lt compare label values as integers")
    func gtLt() throws {
        let selector = try NodeSelector(json: j(#"""
            {"nodeSelectorTerms":[{"matchExpressions":[{"key":"cores","operator":"Gt","values":["4"]},
                                                       {"key":"cores","operator":"Lt","values":["16"]}]}]}
            """#))
        #expect(selector.matches(labels: labels, nodeName: "n1"))
        #expect(!selector.matches(labels: ["cores": "2"], nodeName: "n1"))
        #expect(!selector.matches(labels: [:], nodeName: "n1"))
    }

    @Test("matchFields selects by metadata.name")
    func matchFields() throws {
        let selector = try NodeSelector(json: j(#"{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["n2"]}]}]}"#))
        #expect(selector.matches(labels: labels, nodeName: "n2"))
        #expect(!selector.matches(labels: labels, nodeName: "n1"))
    }

    @Test("an empty term, or no terms, matches nothing")
    func emptyTerms() throws {
        #expect(try !NodeSelector(json: j(#"{"nodeSelectorTerms":[{}]}"#)).matches(labels: labels, nodeName: "n1"))
        #expect(try !NodeSelector(json: j(#"{"nodeSelectorTerms":[]}"#)).matches(labels: labels, nodeName: "n1"))
    }

    @Test("invalid operators and Gt values are rejected")
    func invalid() {
        #expect(throws: SelectorError(message: #"nodeSelectorTerms[0].matchExpressions[0].operator: Unsupported value: "Near""#)) {
            try NodeSelector(json: j(#"{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"Near"}]}]}"#))
        }
        #expect(throws: SelectorError.self) {
            try NodeSelector(json: j(#"{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"Gt","values":["x"]}]}]}"#))
        }
    }
}
