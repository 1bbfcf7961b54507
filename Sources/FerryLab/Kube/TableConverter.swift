import Foundation
import FerryJSON

/// How much of each object a Table row carries (`?includeObject=`).
public enum IncludeObject: String, Sendable {
    case none = "None", metadata = "Metadata", object = "Object"
}

/// Server-side printing: what the apiserver returns when kubectl asks for
/// `application/json;as=Table;v=v1;g=meta.k8s.io`. Columns and cells follow
/// k8s.io/kubernetes pkg/printers/internalversion/printers.go (v1.32) for the
/// built-in kinds and the CRDs' additionalPrinterColumns for Flux kinds and for
/// the custom resources of CRDs created in the lab.
public enum TableConverter {
    /// A meta.k8s.io/v1 Table for `objects` of `kind`; `listMetadata` is the list's metadata (resourceVersion) copied into the table.
    public static func table(
        kind: ResourceKind, objects: [JSON], listMetadata: JSON, includeObject: IncludeObject, now: Date
    ) -> JSON {
        let printer = printer(for: kind)
        let rows = objects.map { object -> JSON in
            let printed = printer.row(object, now)
            var row: JSON = ["cells": .array(printed.cells)]
            if let conditions = printed.conditions { row["conditions"] = .array(conditions) }
            switch includeObject {
            case .none: break
            case .object: row["object"] = object
            case .metadata:
                row["object"] = [
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"].objectValue == nil ? .emptyObject : object["metadata"],
                ]
            }
            return row
        }
        return [
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": listMetadata.objectValue == nil ? .emptyObject : listMetadata,
            "columnDefinitions": .array(printer.columns.map(\.json)),
            "rows": .array(rows),
        ]
    }

    /// kubectl's short duration ("5s", "3m12s", "2d5h", "45d", "3y") as k8s.io/apimachinery/pkg/util/duration.HumanDuration prints it.
    public static func humanDuration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite else { return "<invalid>" }
        let whole = Int(seconds.rounded(.towardZero))
        if whole < -1 { return "<invalid>" }
        if whole < 0 { return "0s" }
        if whole < 60 * 2 { return "\(whole)s" }
        let minutes = whole / 60
        if minutes < 10 {
            let s = whole % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = whole / 3600
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let dy = (hours / 24) % 365
            return dy == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(dy)d"
        }
        return "\(hours / 24 / 365)y"
    }

    // MARK: - Printers

    /// One column of a Table (metav1.TableColumnDefinition).
    struct Column: Sendable {
        var name: String
        var type: String
        var format: String = ""
        var description: String
        var priority: Int64 = 0

        var json: JSON {
            [
                "name": .string(name), "type": .string(type), "format": .string(format),
                "description": .string(description), "priority": .int(priority),
            ]
        }

        static let name = Column(name: "Name", type: "string", format: "name", description: Docs.name)
        static let age = Column(name: "Age", type: "string", description: Docs.creationTimestamp)
    }

    /// The cells of one row, plus row conditions (pods that finished carry one).
    struct PrintedRow {
        var cells: [JSON]
        var conditions: [JSON]? = nil
    }

    struct Printer: Sendable {
        var columns: [Column]
        var row: @Sendable (JSON, Date) -> PrintedRow
    }

    static func printer(for kind: ResourceKind) -> Printer {
        switch (kind.group, kind.kind) {
        case ("", "Pod"): return podPrinter
        case ("", "Node"): return nodePrinter
        case ("", "Namespace"): return namespacePrinter
        case ("", "Event"): return eventPrinter
        case ("", "ConfigMap"): return configMapPrinter
        case ("", "Secret"): return secretPrinter
        case ("", "Service"): return servicePrinter
        case ("", "ServiceAccount"): return serviceAccountPrinter
        case ("", "PersistentVolumeClaim"): return persistentVolumeClaimPrinter
        case ("", "PersistentVolume"): return persistentVolumePrinter
        case ("apps", "Deployment"): return deploymentPrinter
        case ("apps", "ReplicaSet"): return replicaSetPrinter
        case ("apps", "StatefulSet"): return statefulSetPrinter
        case ("storage.k8s.io", "StorageClass"): return storageClassPrinter
        case ("node.k8s.io", "RuntimeClass"): return runtimeClassPrinter
        case ("source.toolkit.fluxcd.io", "GitRepository"): return gitRepositoryPrinter
        case ("kustomize.toolkit.fluxcd.io", "Kustomization"): return kustomizationPrinter
        case ("helm.toolkit.fluxcd.io", "HelmRelease"): return helmReleasePrinter
        case ("batch", "Job"): return jobPrinter
        case ("batch", "CronJob"): return cronJobPrinter
        case ("", "Endpoints"): return endpointsPrinter
        case ("discovery.k8s.io", "EndpointSlice"): return endpointSlicePrinter
        case ("apiextensions.k8s.io", "CustomResourceDefinition"): return createdAtPrinter
        case ("networking.k8s.io", "Ingress"): return ingressPrinter
        case ("networking.k8s.io", "IngressClass"): return ingressClassPrinter
        case ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "ClusterRole"): return createdAtPrinter
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            return roleBindingPrinter
        default: return kind.printerColumns.isEmpty ? defaultPrinter : customPrinter(kind)
        }
    }

    // MARK: - Shared cell helpers

    /// metav1.Time parsing: RFC 3339, with or without fractional seconds.
    static func parseTime(_ value: JSON) -> Date? {
        guard let text = value.stringValue, !text.isEmpty else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? Date(text, strategy: fractional)
    }

    /// printers.go translateTimestampSince: "<unknown>" for a missing time.
    static func since(_ value: JSON, _ now: Date) -> String {
        guard let date = parseTime(value) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(date))
    }

    static func age(_ object: JSON, _ now: Date) -> JSON {
        .string(since(object["metadata"]["creationTimestamp"], now))
    }

    static func name(_ object: JSON) -> JSON {
        .string(object["metadata"]["name"].stringValue ?? "")
    }

    static func string(_ value: JSON, or fallback: String = "") -> String {
        if let s = value.stringValue, !s.isEmpty { return s }
        return fallback
    }

    static func int(_ value: JSON) -> Int64 { value.intValue ?? 0 }

    /// labels.FormatLabels: sorted `k=v` pairs, "<none>" when empty.
    static func formatLabels(_ value: JSON) -> String {
        guard let labels = value.objectValue, !labels.isEmpty else { return "<none>" }
        return labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    /// layoutContainerCells: container names and images, comma-joined.
    static func containerCells(_ podSpec: JSON) -> (names: JSON, images: JSON) {
        let containers = podSpec["containers"].arrayValue ?? []
        return (
            .string(containers.map { $0["name"].stringValue ?? "" }.joined(separator: ",")),
            .string(containers.map { $0["image"].stringValue ?? "" }.joined(separator: ","))
        )
    }

    /// metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key.
    static func formatSelector(_ selector: JSON) -> String {
        guard selector.objectValue != nil else { return "" }
        var requirements: [(key: String, text: String)] = []
        for (key, value) in selector["matchLabels"].objectValue ?? [:] {
            requirements.append((key, "\(key)=\(value.stringValue ?? "")"))
        }
        for expression in selector["matchExpressions"].arrayValue ?? [] {
            let key = expression["key"].stringValue ?? ""
            let values = (expression["values"].arrayValue ?? []).compactMap(\.stringValue).sorted()
            switch expression["operator"].stringValue ?? "" {
            case "In": requirements.append((key, "\(key) in (\(values.joined(separator: ",")))"))
            case "NotIn": requirements.append((key, "\(key) notin (\(values.joined(separator: ",")))"))
            case "Exists": requirements.append((key, key))
            case "DoesNotExist": requirements.append((key, "!\(key)"))
            default: return "<invalid>"
            }
        }
        return requirements.sorted { $0.key < $1.key }.map(\.text).joined(separator: ",")
    }

    /// Any kind without its own printer: Name and Age, like a CRD without printer columns.
    static let defaultPrinter = Printer(
        columns: [.name, Column(name: "Age", type: "date", description: Docs.creationTimestamp)],
        row: { object, now in PrintedRow(cells: [name(object), age(object, now)]) }
    )
}

extension TableConverter {
    /// The column descriptions the apiserver sends (the API types' SwaggerDoc).
    enum Docs {
        static let name =
            "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
        static let creationTimestamp =
            "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
        static let containers = "Names of each container in the template."
        static let images = "Images referenced by each container in the template."
    }
}
