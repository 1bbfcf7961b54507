import Foundation
import FerryJSON

/// Roles, bindings and CustomResourceDefinitions: printRole, printRoleBinding (and
/// their cluster variants), and the default table convertor the apiextensions
/// server prints CRDs with.
extension TableConverter {
    static let createdAt = Column(name: "Created At", type: "date", description: Docs.creationTimestamp)

    /// Name and creation time in RFC 3339, as printRole and the default table convertor print them.
    static let createdAtPrinter = Printer(
        columns: [.name, createdAt],
        row: { object, _ in
            PrintedRow(cells: [name(object), .string(object["metadata"]["creationTimestamp"].stringValue ?? "")])
        }
    )

    static let roleBindingPrinter = Printer(
        columns: [
            .name,
            Column(name: "Role", type: "string", description: "Role references a role or cluster role by kind and name"),
            .age,
            Column(name: "Users", type: "string", description: "Users in the roleBinding", priority: 1),
            Column(name: "Groups", type: "string", description: "Groups in the roleBinding", priority: 1),
            Column(name: "ServiceAccounts", type: "string", description: "ServiceAccounts in the roleBinding", priority: 1),
        ],
        row: { object, now in
            let roleRef = object["roleRef"]
            let subjects = object["subjects"].arrayValue ?? []
            func names(_ kind: String) -> String {
                subjects.filter { $0["kind"].stringValue == kind }.map { subject in
                    let name = subject["name"].stringValue ?? ""
                    guard kind == "ServiceAccount" else { return name }
                    return (subject["namespace"].stringValue ?? "") + "/" + name
                }.joined(separator: ", ")
            }
            return PrintedRow(cells: [
                name(object), .string("\(roleRef["kind"].stringValue ?? "")/\(roleRef["name"].stringValue ?? "")"),
                age(object, now), .string(names("User")), .string(names("Group")), .string(names("ServiceAccount")),
            ])
        }
    )
}
