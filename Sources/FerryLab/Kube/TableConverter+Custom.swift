import Foundation
import FerryJSON

/// Custom resources of CRDs created in the lab, printed from their
/// additionalPrinterColumns as the apiextensions server's table convertor does.
/// The JSONPath subset is what CRDs use: `.a.b`, `.a[0].b` and
/// `.a[?(@.k=="v")].b`; the first match is printed.
extension TableConverter {
    static func customPrinter(_ kind: ResourceKind) -> Printer {
        let columns = kind.printerColumns
        return Printer(
            columns: [.name] + columns.map {
                Column(name: $0.name, type: $0.type, format: "", description: $0.description, priority: $0.priority)
            },
            row: { object, now in
                PrintedRow(cells: [name(object)] + columns.map { column in
                    let value = evaluate(column.jsonPath, in: object)
                    switch column.type {
                    case "date": return dateCell(value ?? .null, now)
                    case "integer", "number", "boolean": return value ?? .null
                    default: return stringCell(value)
                    }
                })
            })
    }

    /// The value at a CRD printer column's JSONPath, or nil when absent or unsupported.
    static func evaluate(_ path: String, in object: JSON) -> JSON? {
        var current = object
        var rest = Substring(path.hasPrefix(".") ? String(path.dropFirst()) : path)
        while !rest.isEmpty {
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if rest.hasPrefix(".") { rest = rest.dropFirst() }
                let items = current.arrayValue ?? []
                if let index = Int(inside) {
                    guard items.indices.contains(index) else { return nil }
                    current = items[index]
                } else if inside.hasPrefix("?(@."), inside.hasSuffix(")") {
                    let condition = inside.dropFirst(4).dropLast()
                    let parts = condition.components(separatedBy: "==")
                    guard parts.count == 2 else { return nil }
                    let wanted = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                    guard let match = items.first(where: { $0[parts[0].trimmingCharacters(in: .whitespaces)].stringValue == wanted })
                    else { return nil }
                    current = match
                } else {
                    return nil
                }
                continue
            }
            let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
            let key = String(rest[..<end])
            rest = rest[end...]
            if rest.hasPrefix(".") { rest = rest.dropFirst() }
            guard let next = current.objectValue?[key] else { return nil }
            current = next
        }
        return current
    }
}
