import Foundation
import FerryJSON

/// Flux custom resources, printed the way apiextensions-apiserver's table
/// convertor prints their CRDs' additionalPrinterColumns: a Name column, then
/// one column per printer column, described by its JSONPath; a `date` cell is
/// a human duration, a missing value is null (kubectl shows `<none>`).
extension TableConverter {
    /// Ready condition's status and message, as `.status.conditions[?(@.type=="Ready")]`.
    static func readyCondition(_ object: JSON) -> JSON? {
        (object["status"]["conditions"].arrayValue ?? []).first { $0["type"] == "Ready" }
    }

    static func crdColumn(_ name: String, _ type: String, _ path: String) -> Column {
        Column(name: name, type: type, description: "Custom resource definition column (in JSONPath format): \(path)")
    }

    static let readyPath = #".status.conditions[?(@.type=="Ready")].status"#
    static let statusPath = #".status.conditions[?(@.type=="Ready")].message"#

    /// A string column's cell: the value as text, or null when absent.
    static func stringCell(_ value: JSON?) -> JSON {
        switch value {
        case nil, .null?: return .null
        case .string(let s)?: return .string(s)
        case .int(let i)?: return .string(String(i))
        case .bool(let b)?: return .string(b ? "true" : "false")
        case let other?: return .string(other.serialized)
        }
    }

    /// A date column's cell: "<unknown>" style duration, or null when absent.
    static func dateCell(_ value: JSON, _ now: Date) -> JSON {
        guard let text = value.stringValue else { return .null }
        guard let date = parseTime(.string(text)) else { return "<invalid>" }
        return .string(humanDuration(now.timeIntervalSince(date)))
    }

    static let gitRepositoryPrinter = Printer(
        columns: [
            .name,
            crdColumn("URL", "string", ".spec.url"),
            crdColumn("Age", "date", ".metadata.creationTimestamp"),
            crdColumn("Ready", "string", readyPath),
            crdColumn("Status", "string", statusPath),
        ],
        row: { object, now in
            let ready = readyCondition(object)
            return PrintedRow(cells: [
                name(object), stringCell(object["spec"]["url"]), dateCell(object["metadata"]["creationTimestamp"], now),
                stringCell(ready?["status"]), stringCell(ready?["message"]),
            ])
        }
    )

    /// HelmRelease's CRD prints the same columns as Kustomization's.
    static let helmReleasePrinter = kustomizationPrinter

    static let kustomizationPrinter = Printer(
        columns: [
            .name,
            crdColumn("Age", "date", ".metadata.creationTimestamp"),
            crdColumn("Ready", "string", readyPath),
            crdColumn("Status", "string", statusPath),
        ],
        row: { object, now in
            let ready = readyCondition(object)
            return PrintedRow(cells: [
                name(object), dateCell(object["metadata"]["creationTimestamp"], now),
                stringCell(ready?["status"]), stringCell(ready?["message"]),
            ])
        }
    )
}
