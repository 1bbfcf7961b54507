import Crypto
import FerryJSON
import Foundation

/// A HelmRelease's values, composed as helm-controller composes them: each
/// `spec.valuesFrom` reference in order, then `spec.values`, over the chart's
/// `values.yaml`. Maps merge key by key, anything else is replaced.
struct HelmValues {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let store: ObjectStore

    /// The values `release` asks for, before the chart's defaults.
    func compose(for release: JSON) async throws(Failure) -> JSON {
        var values: JSON = .emptyObject
        for reference in release["spec"]["valuesFrom"].arrayValue ?? [] {
            guard let layer = try await resolve(reference, namespace: release.namespace) else { continue }
            values = Self.merge(values, layer)
        }
        if case .object = release["spec"]["values"] { values = Self.merge(values, release["spec"]["values"]) }
        return values
    }

    /// One `valuesFrom` entry (`kind` ConfigMap or Secret, `name`, `valuesKey` default
    /// `values.yaml`, `optional`); nil when an optional one is missing.
    private func resolve(_ reference: JSON, namespace: String) async throws(Failure) -> JSON? {
        let kindName = reference["kind"].stringValue ?? ""
        let name = reference["name"].stringValue ?? ""
        let key = reference["valuesKey"].stringValue ?? "values.yaml"
        let optional = reference["optional"].boolValue == true
        let prefix = "could not resolve \(kindName) chart values reference '\(namespace)/\(name)' with key '\(key)'"
        let kind: ResourceKind
        switch kindName {
        case "ConfigMap": kind = ResourceCatalog.configMaps
        case "Secret": kind = ResourceCatalog.secrets
        default: throw Failure(description: "\(prefix): unsupported values reference kind '\(kindName)'")
        }
        if reference["targetPath"].stringValue?.isEmpty == false {
            throw Failure(description: "\(prefix): targetPath is not in the lab's Helm subset (docs/LAB.md: the helm-controller)")
        }
        guard let object = await store.find(ObjectKey(kind, namespace: namespace, name: name)) else {
            if optional { return nil }
            throw Failure(description: "\(prefix): \(kind.resource) \"\(name)\" not found")
        }
        let text: String?
        if kind == ResourceCatalog.secrets {
            text = object["data"][key].stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
                ?? object["stringData"][key].stringValue
        } else {
            text = object["data"][key].stringValue
        }
        guard let text else {
            if optional { return nil }
            throw Failure(description: "\(prefix): key not found")
        }
        let values: JSON
        do {
            values = try JSON.parseYAML(text)
        } catch {
            throw Failure(description: "\(prefix): unable to read values: \(error)")
        }
        if values == .null { return .emptyObject }
        guard case .object = values else { throw Failure(description: "\(prefix): the values are not a map") }
        return values
    }

    /// `override` over `base`: maps merge recursively, everything else is replaced.
    static func merge(_ base: JSON, _ override: JSON) -> JSON {
        guard case .object(var result) = base, case .object(let fields) = override else { return override }
        for (key, value) in fields { result[key] = merge(result[key] ?? .null, value) }
        return .object(result)
    }

    /// `sha256:` of the values' canonical JSON (sorted keys, compact), Flux's config digest.
    static func digest(_ values: JSON) -> String {
        "sha256:" + SHA256.hash(data: Data(values.serialized.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
