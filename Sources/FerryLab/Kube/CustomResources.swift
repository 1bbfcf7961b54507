import FerryJSON

/// CustomResourceDefinitions as the apiextensions-apiserver reads them: which kind a
/// CRD serves, what it checks on create, and the status it answers with.
///
/// The lab serves a CRD's storage version only: a CRD with several served versions
/// answers 404 at the others (see docs/LAB.md), rather than keeping two copies of
/// one object apart.
extension ResourceKind {
    /// The kind a stored CRD serves, or nil when its storage version is not served.
    init?(definition crd: JSON) {
        let spec = crd["spec"]
        guard let group = spec["group"].stringValue, let kind = spec["names"]["kind"].stringValue,
            let plural = spec["names"]["plural"].stringValue,
            let version = (spec["versions"].arrayValue ?? []).first(where: { $0["storage"] == true }),
            version["served"] != false, let versionName = version["name"].stringValue
        else { return nil }
        self.init(
            group: group, version: versionName, kind: kind, resource: plural,
            namespaced: spec["scope"].stringValue != "Cluster",
            shortNames: (spec["names"]["shortNames"].arrayValue ?? []).compactMap(\.stringValue),
            categories: (spec["names"]["categories"].arrayValue ?? []).compactMap(\.stringValue),
            subresources: version["subresources"]["status"] == .null ? [] : ["status"],
            supportsStrategicMerge: false)
        if let singular = spec["names"]["singular"].stringValue, !singular.isEmpty { self.singular = singular }
        printerColumns = (version["additionalPrinterColumns"].arrayValue ?? []).compactMap { column in
            guard let name = column["name"].stringValue, let path = column["jsonPath"].stringValue else { return nil }
            return PrinterColumn(
                name: name, type: column["type"].stringValue ?? "string", jsonPath: path,
                description: column["description"].stringValue
                    ?? "Custom resource definition column (in JSONPath format): \(path)",
                priority: column["priority"].intValue ?? 0)
        }
    }
}

/// What the apiextensions-apiserver checks and fills in when a CRD is created.
enum CustomResourceDefinitions {
    static func validate(_ crd: JSON) throws(APIError) {
        let kind = ResourceCatalog.customResourceDefinitions
        let spec = crd["spec"]
        func invalid(_ field: String, _ message: String) -> APIError {
            .invalid(kind, crd.name, field: field, message)
        }
        guard let group = spec["group"].stringValue, !group.isEmpty else { throw invalid("spec.group", "Required value") }
        guard group.contains(".") else {
            throw invalid("spec.group", "Invalid value: \"\(group)\": should be a domain with at least one dot")
        }
        guard let plural = spec["names"]["plural"].stringValue, !plural.isEmpty else {
            throw invalid("spec.names.plural", "Required value")
        }
        guard spec["names"]["kind"].stringValue?.isEmpty == false else { throw invalid("spec.names.kind", "Required value") }
        guard crd.name == "\(plural).\(group)" else {
            throw invalid("metadata.name", "Invalid value: \"\(crd.name)\": must be spec.names.plural+\".\"+spec.group")
        }
        guard ["Namespaced", "Cluster"].contains(spec["scope"].stringValue ?? "") else {
            throw invalid("spec.scope", "Unsupported value: \(spec["scope"].serialized): supported values: \"Cluster\", \"Namespaced\"")
        }
        let versions = spec["versions"].arrayValue ?? []
        guard !versions.isEmpty else { throw invalid("spec.versions", "Invalid value: null: must have exactly one version marked as storage version") }
        guard versions.filter({ $0["storage"] == true }).count == 1 else {
            throw invalid("spec.versions", "Invalid value: \(spec["versions"].serialized): must have exactly one version marked as storage version")
        }
    }

    /// Defaults, and the status the apiserver's naming and establishing controllers
    /// set right after create: names accepted, established.
    static func applyDefaults(_ crd: inout JSON, now: String) {
        guard let kind = crd["spec"]["names"]["kind"].stringValue else { return }
        if crd["spec"]["names"]["singular"] == .null { crd[path: ["spec", "names", "singular"]] = .string(kind.lowercased()) }
        if crd["spec"]["names"]["listKind"] == .null { crd[path: ["spec", "names", "listKind"]] = .string(kind + "List") }
        if crd["spec"]["conversion"] == .null { crd[path: ["spec", "conversion"]] = ["strategy": "None"] }
        let storage = (crd["spec"]["versions"].arrayValue ?? []).first { $0["storage"] == true }?["name"] ?? .null
        crd["status"] = [
            "acceptedNames": crd["spec"]["names"],
            "conditions": [
                ["type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found",
                 "lastTransitionTime": .string(now)],
                ["type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": .string(now)],
            ],
            "storedVersions": [storage],
        ]
    }
}
