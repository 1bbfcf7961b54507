import Foundation
import Hummingbird
import FerryJSON

/// list, update, patch and delete: the verbs that read or change stored objects.
extension KubeAPIServer {
    func list(_ target: Target, query: Query, accept: String) async throws -> Response {
        let filter = try Filter(query: query, kind: target.kind)
        let snapshot = await store.snapshot(target.kind, namespace: target.namespace)
        let items = snapshot.objects.filter(filter.matches)
        let metadata: JSON = ["resourceVersion": .string(snapshot.resourceVersion)]
        if Self.wantsTable(accept) {
            return Self.json(table(target.kind, items, query: query, listMetadata: metadata))
        }
        return Self.json([
            "kind": .string(target.kind.kind + "List"), "apiVersion": .string(target.kind.apiVersion),
            "metadata": metadata, "items": .array(items),
        ])
    }

    func update(_ key: ObjectKey, body: JSON, subresource: String?) async throws -> JSON {
        if subresource == "scale" { return try await Scale.update(key, with: body, store: store) }
        let current = try await store.get(key)
        let admitted = try admission.update(body, old: current, kind: key.kind, subresource: subresource)
        return try await store.update(admitted, key: key, subresource: subresource)
    }

    /// Applies a patch to the current object and stores the result. Like the
    /// apiserver, a patch that names no resourceVersion is retried when a concurrent
    /// writer wins the race, so patches never fail with a spurious conflict.
    func patch(_ key: ObjectKey, contentType: String, body: JSON, subresource: String?) async throws -> JSON {
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let type = PatchType(rawValue: mediaType), type != .apply else {
            throw APIError.unsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        if type == .strategic, !key.kind.supportsStrategicMerge {
            throw APIError.unsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        for attempt in 0..<5 {
            var current = try await store.get(key)
            if subresource == "scale" { current = Scale.view(of: current, kind: key.kind) }
            let patched: JSON
            do {
                switch type {
                case .merge: patched = Patch.merge(body, into: current)
                case .json: patched = try Patch.jsonPatch(body, into: current)
                case .strategic, .apply: patched = try Patch.strategicMerge(body, into: current)
                }
            } catch {
                throw APIError(code: 422, reason: "Invalid", message: error.message)
            }
            do {
                return try await update(key, body: patched, subresource: subresource)
            } catch let error as APIError where error.reason == "Conflict" && attempt < 4
                && patched.resourceVersion == current.resourceVersion
            {
                continue
            }
        }
        throw APIError.conflict(key.kind, key.name)
    }

    func delete(_ key: ObjectKey, options: JSON, query: Query) async throws -> JSON {
        let grace = query.int("gracePeriodSeconds") ?? options["gracePeriodSeconds"].intValue
        let uid = options["preconditions"]["uid"].stringValue
        return try await store.delete(key, gracePeriod: grace, preconditionUID: uid)
    }
}

/// The `labelSelector` and `fieldSelector` of a list or watch request.
struct Filter {
    var labels: LabelSelector?
    var fields: FieldSelector?

    init(query: Query, kind: ResourceKind) throws(APIError) {
        do {
            if let text = query["labelSelector"] { labels = try LabelSelector(parsing: text) }
            if let text = query["fieldSelector"] { fields = try FieldSelector(parsing: text, for: kind) }
        } catch {
            throw APIError.badRequest(error.message)
        }
    }

    func matches(_ object: JSON) -> Bool {
        if let labels, !labels.matches(object.labels) { return false }
        if let fields, !fields.matches(object) { return false }
        return true
    }
}
