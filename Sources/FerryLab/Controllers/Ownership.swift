import FerryJSON

/// Owner references: who created an object and is responsible for it.
extension JSON {
    /// The uid of the controlling owner (`controller: true`), if any.
    var controllerUID: String? {
        (self["metadata"]["ownerReferences"].arrayValue ?? []).first { $0["controller"].boolValue == true }?["uid"].stringValue
    }

    var isReady: Bool { condition("Ready")?["status"].stringValue == "True" }

    /// An owner reference to this object, for the objects it creates.
    func ownerReference(_ kind: ResourceKind) -> JSON {
        [
            "apiVersion": .string(kind.apiVersion), "kind": .string(kind.kind), "name": .string(name),
            "uid": .string(uid), "controller": true, "blockOwnerDeletion": true,
        ]
    }
}
