import FerryJSON

/// Strategic merge patch as apimachinery's `strategicpatch` applies it on the server
/// (MergeParallelList and IgnoreUnmatchedNulls on). The Go implementation reads merge
/// strategies from struct tags; the lab keeps them in `StrategicMerger.strategy`.
struct StrategicMerger {
    static let directive = "$patch"
    static let retainKeys = "$retainKeys"
    static let setElementOrderPrefix = "$setElementOrder/"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/"

    /// How a list field merges.
    enum ListStrategy: Equatable {
        /// `patchStrategy:"merge"` on a list of objects, matched by this key.
        case mergeByKey(String)
        /// `patchStrategy:"merge"` on a list of scalars (a set union).
        case mergePrimitives
    }

    private static let containerLists: Set<String> = ["containers", "initContainers", "ephemeralContainers"]

    /// The `patchStrategy`/`patchMergeKey` tags of the built-in types, keyed by
    /// field name and, where a name is ambiguous, by where it sits.
    static func strategy(for field: String, at path: [String]) -> ListStrategy? {
        switch field {
        case "containers", "initContainers", "ephemeralContainers", "volumes", "env", "imagePullSecrets",
            "resourceClaims", "schedulingGates", "resourceClaimStatuses":
            return .mergeByKey("name")
        case "volumeMounts": return .mergeByKey("mountPath")
        case "volumeDevices": return .mergeByKey("devicePath")
        case "conditions": return .mergeByKey("type")
        case "hostAliases", "podIPs", "hostIPs": return .mergeByKey("ip")
        case "topologySpreadConstraints": return .mergeByKey("topologyKey")
        case "ownerReferences": return path == ["metadata"] ? .mergeByKey("uid") : nil
        case "finalizers": return path == ["metadata"] ? .mergePrimitives : nil
        case "podCIDRs": return path == ["spec"] ? .mergePrimitives : nil
        case "secrets": return path.isEmpty ? .mergeByKey("name") : nil  // ServiceAccount.secrets
        case "addresses": return path == ["status"] ? .mergeByKey("type") : nil  // NodeStatus.addresses
        case "ports":
            // Container ports merge by containerPort, ServiceSpec ports by port.
            if let parent = path.last, containerLists.contains(parent) { return .mergeByKey("containerPort") }
            return path == ["spec"] ? .mergeByKey("port") : nil
        default: return nil
        }
    }

    // MARK: Maps

    mutating func mergeMap(
        _ originalIn: [String: JSON], _ patchIn: [String: JSON], path: [String]
    ) throws(PatchError) -> [String: JSON] {
        var original = originalIn
        var patch = patchIn
        if let directive = patch[Self.directive] {
            switch directive.stringValue {
            case "replace":
                patch.removeValue(forKey: Self.directive)
                return try mergeMap([:], patch, path: path)
            case "delete":
                return [:]
            default:
                throw PatchError("unknown patch type: \(Patch.goDescription(directive)) in map: \(Patch.goDescription(.object(patch)))")
            }
        }
        try applyRetainKeys(&original, &patch)
        try applySetElementOrder(&original, &patch, path: path)

        for key in patch.keys.sorted() {
            let patchValue = patch[key]!
            if key.hasPrefix(Self.deleteFromPrimitiveListPrefix) {
                let field = String(key.dropFirst(Self.deleteFromPrimitiveListPrefix.count))
                guard case .array(let toDelete) = patchValue else {
                    throw PatchError("invalid patch format of primitive list")
                }
                if case .array(let current) = original[field] {
                    original[field] = .array(current.filter { item in !toDelete.contains(item) })
                }
                continue
            }
            if patchValue.isNull {
                original.removeValue(forKey: key)
                continue
            }
            let childPath = path + [key]
            switch (original[key], patchValue) {
            case (.object(let current)?, .object(let change)):
                original[key] = .object(try mergeMap(current, change, path: childPath))
            case (.array(let current)?, .array(let change)):
                if let strategy = Self.strategy(for: key, at: path) {
                    original[key] = .array(try mergeList(current, change, strategy: strategy, path: childPath))
                } else {
                    original[key] = try cleaned(patchValue, field: key, path: path)
                }
            default:
                // Absent in the original, or of another type: the patch value wins,
                // with its own directives and nulls resolved.
                original[key] = try cleaned(patchValue, field: key, path: path)
            }
        }
        return original
    }

    /// A patch value taken as is, with directives applied and nulls dropped, the way
    /// it reads once the apiserver decodes it into the typed object.
    private mutating func cleaned(_ value: JSON, field: String, path: [String]) throws(PatchError) -> JSON {
        switch value {
        case .object(let object):
            return .object(try mergeMap([:], object, path: path + [field]))
        case .array(let array):
            if let strategy = Self.strategy(for: field, at: path) {
                return .array(try mergeList([], array, strategy: strategy, path: path + [field]))
            }
            var out: [JSON] = []
            for element in array {
                if case .object(let object) = element {
                    out.append(.object(try mergeMap([:], object, path: path + [field])))
                } else {
                    out.append(element)
                }
            }
            return .array(out)
        default:
            return value
        }
    }

    /// `$retainKeys`: keys of the original not listed are cleared; every key the
    /// patch sets must be listed.
    private func applyRetainKeys(_ original: inout [String: JSON], _ patch: inout [String: JSON]) throws(PatchError) {
        guard let retain = patch.removeValue(forKey: Self.retainKeys) else { return }
        guard case .array(let list) = retain else { throw PatchError("invalid patch format of retainKeys") }
        let keep = Set(list.compactMap(\.stringValue))
        for (key, value) in patch
        where !value.isNull && !key.hasPrefix(Self.setElementOrderPrefix)
            && !key.hasPrefix(Self.deleteFromPrimitiveListPrefix)
        {
            guard keep.contains(key) else { throw PatchError("invalid patch format of retainKeys") }
        }
        for key in original.keys where !keep.contains(key) {
            original.removeValue(forKey: key)
        }
    }

    /// `$setElementOrder/<field>`: merge that field's list now and order it as listed,
    /// then drop both from the patch so the main loop leaves them alone.
    private mutating func applySetElementOrder(
        _ original: inout [String: JSON], _ patch: inout [String: JSON], path: [String]
    ) throws(PatchError) {
        for key in patch.keys.sorted() where key.hasPrefix(Self.setElementOrderPrefix) {
            let order = patch.removeValue(forKey: key)!
            guard case .array(let orderList) = order else {
                throw PatchError("invalid patch format of setElementOrder list")
            }
            let field = String(key.dropFirst(Self.setElementOrderPrefix.count))
            let strategy = Self.strategy(for: field, at: path)
            let originalList = original[field]?.arrayValue
            let patchList = patch[field]?.arrayValue
            if original[field] != nil, originalList == nil { continue }  // not a list: leave to the main loop
            let merged: [JSON]
            switch (originalList, patchList) {
            case (let current?, nil): merged = current
            case (nil, let change?):
                merged = try cleaned(.array(change), field: field, path: path).arrayValue ?? []
            case (let current?, let change?):
                if let strategy {
                    merged = try mergeList(current, change, strategy: strategy, path: path + [field])
                } else {
                    merged = try cleaned(.array(change), field: field, path: path).arrayValue ?? []
                }
            case (nil, nil): continue
            }
            let mergeKey: String? = if case .mergeByKey(let k) = strategy { k } else { nil }
            let identity = { (item: JSON) -> JSON in mergeKey.map { item[$0] } ?? item }
            let ordered = orderList.map(identity)
            let inOrder = merged.filter { ordered.contains(identity($0)) }
            let serverOnly = merged.filter { !ordered.contains(identity($0)) }
            original[field] = .array(
                Self.normalizeOrder(
                    patchItems: inOrder, serverOnly: serverOnly, patchOrder: ordered,
                    serverOrder: (originalList ?? []).map(identity), identity: identity))
            patch.removeValue(forKey: field)
        }
    }

    // MARK: Lists

    mutating func mergeList(
        _ originalIn: [JSON], _ patchIn: [JSON], strategy: ListStrategy, path: [String]
    ) throws(PatchError) -> [JSON] {
        if originalIn.isEmpty && patchIn.isEmpty { return originalIn }
        let all = originalIn + patchIn
        let objects = all.filter { $0.objectValue != nil }.count
        if objects != 0 && objects != all.count {
            throw PatchError("list element types are not identical: \(Patch.goDescription(.array(originalIn))) \(Patch.goDescription(.array(patchIn)))")
        }
        if all.contains(where: { $0.arrayValue != nil }) { throw PatchError("lists of lists are not supported") }

        guard objects > 0 else {
            // Scalars: set union, then order.
            var merged: [JSON] = []
            for item in all where !merged.contains(item) { merged.append(item) }
            let inPatch = merged.filter { patchIn.contains($0) }
            let serverOnly = merged.filter { !patchIn.contains($0) }
            return Self.normalizeOrder(
                patchItems: inPatch, serverOnly: serverOnly, patchOrder: patchIn, serverOrder: originalIn,
                identity: { $0 })
        }
        guard case .mergeByKey(let mergeKey) = strategy else {
            throw PatchError("cannot merge lists without merge key for type map")
        }

        // Special elements: `$patch: delete` removes by key, `$patch: replace` replaces the list.
        var original = originalIn
        var patch: [JSON] = []
        var replace = false
        for element in patchIn {
            let object = element.objectValue!
            guard let directive = object[Self.directive] else { patch.append(element); continue }
            switch directive.stringValue {
            case "delete":
                guard let value = object[mergeKey] else { throw Self.noMergeKey(element, mergeKey) }
                original.removeAll { $0.objectValue?[mergeKey] == value }
            case "replace":
                replace = true
            case "merge":
                throw PatchError("merging lists cannot yet be specified in the patch")
            default:
                throw PatchError("unknown patch type: \(Patch.goDescription(directive)) in map: \(Patch.goDescription(element))")
            }
        }
        if replace {
            var out: [JSON] = []
            for element in patch { out.append(.object(try mergeMap([:], element.objectValue!, path: path))) }
            return out
        }

        var merged = original
        for element in patch {
            let object = element.objectValue!
            guard let value = object[mergeKey] else { throw Self.noMergeKey(element, mergeKey) }
            if let index = merged.firstIndex(where: { $0.objectValue?[mergeKey] == value }) {
                merged[index] = .object(try mergeMap(merged[index].objectValue!, object, path: path))
            } else {
                merged.append(.object(try mergeMap([:], object, path: path)))
            }
        }
        for item in original where item.objectValue?[mergeKey] == nil { throw Self.noMergeKey(item, mergeKey) }
        let patchKeys = patch.map { $0[mergeKey] }
        return Self.normalizeOrder(
            patchItems: merged.filter { patchKeys.contains($0[mergeKey]) },
            serverOnly: merged.filter { !patchKeys.contains($0[mergeKey]) },
            patchOrder: patchKeys, serverOrder: original.map { $0[mergeKey] }, identity: { $0[mergeKey] })
    }

    private static func noMergeKey(_ element: JSON, _ key: String) -> PatchError {
        PatchError("map: \(Patch.goDescription(element)) does not contain declared merge key: \(key)")
    }

    /// apimachinery's normalizeElementOrder + mergeSortedSlice: patch items in patch
    /// order, server-only items in live order, interleaved by their live positions.
    /// Items the live list lacks come before the server-only items that follow them,
    /// which is why a new container lands first, as in the Kubernetes docs.
    static func normalizeOrder(
        patchItems: [JSON], serverOnly: [JSON], patchOrder: [JSON], serverOrder: [JSON],
        identity: (JSON) -> JSON
    ) -> [JSON] {
        func sorted(_ items: [JSON], by order: [JSON]) -> [JSON] {
            items.enumerated().sorted { a, b in
                let ia = order.firstIndex(of: identity(a.element)) ?? Int.max
                let ib = order.firstIndex(of: identity(b.element)) ?? Int.max
                return ia != ib ? ia < ib : a.offset < b.offset
            }.map(\.element)
        }
        let right = sorted(patchItems, by: patchOrder)
        let left = sorted(serverOnly, by: serverOrder)
        var out: [JSON] = []
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                out.append(right[j]); j += 1
            } else if j >= right.count {
                out.append(left[i]); i += 1
            } else if let li = serverOrder.firstIndex(of: identity(left[i])),
                let ri = serverOrder.firstIndex(of: identity(right[j])), li < ri
            {
                out.append(left[i]); i += 1
            } else {
                out.append(right[j]); j += 1
            }
        }
        return out
    }
}
