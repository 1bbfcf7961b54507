import FerryJSON
import Foundation

/// Node Feature Discovery, reduced to what hardware-bound workloads rely on: a node's
/// labels follow the USB and PCI devices its VM sees. nfd-worker's USB source labels a
/// device of a class in its default list (`0e`, `ef`, `fe`, `ff`) as
/// `feature.node.kubernetes.io/usb-<class>_<vendor>_<device>.present=true`; PCI devices
/// of class `03` (display) and `0b40` likewise as `pci-<class>_<vendor>.present`.
/// NodeFeatureRules (`nfd.k8s-sigs.io/v1alpha1`) add their `labels` where all of a
/// rule's `matchFeatures` (or one of its `matchAny`) match a `usb.device` or
/// `pci.device` by `vendor`, `device` and `class` (`In`, `NotIn`, `Exists`).
///
/// nfd-master lists the labels it manages in the node's
/// `nfd.node.kubernetes.io/feature-labels` annotation (names in its own namespace
/// without the prefix), and removes a label it set when the feature is gone: ferry
/// reads that annotation to tell a label NFD owns from one set by hand.
enum NodeFeatureDiscovery {
    static let prefix = "feature.node.kubernetes.io/"
    static let annotation = "nfd.node.kubernetes.io/feature-labels"

    /// The NodeFeatureRule CRD, as NFD's Helm chart installs it.
    static func install(in store: ObjectStore) async {
        var crd = K3sAddons.definition(group: "nfd.k8s-sigs.io", version: "v1alpha1", kind: "NodeFeatureRule")
        crd[path: ["spec", "scope"]] = "Cluster"
        crd[path: ["spec", "names", "shortNames"]] = ["nfr"]
        CustomResourceDefinitions.applyDefaults(&crd, now: Timestamp.string(Date()))
        _ = try? await store.create(crd, kind: ResourceCatalog.customResourceDefinitions)
    }

    /// Brings `node`'s NFD labels in line with `devices`; writes only when they differ.
    static func label(node: String, devices: [Device], store: ObjectStore) async {
        var wanted: [String: String] = [:]
        for device in devices {
            if let name = defaultLabel(device) { wanted[prefix + name] = "true" }
        }
        let served = await ResourceCatalog.served(by: store)
        if let kind = served.first(where: { $0.group == "nfd.k8s-sigs.io" && $0.kind == "NodeFeatureRule" }) {
            for rule in await store.list(kind) {
                for item in rule["spec"]["rules"].arrayValue ?? [] where matches(item, devices) {
                    for (key, value) in item["labels"].objectValue ?? [:] {
                        wanted[key.contains("/") ? key : prefix + key] = value.stringValue ?? ""
                    }
                }
            }
        }
        let key = ObjectKey(ResourceCatalog.nodes, name: node)
        guard let current = await store.find(key) else { return }
        let managed = (current.annotations[annotation] ?? "").split(separator: ",").map { name in
            name.contains("/") ? String(name) : prefix + name
        }
        let names = wanted.keys.sorted().map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }.joined(separator: ",")
        let stale = managed.filter { wanted[$0] == nil && current.labels[$0] != nil }
        let changed = wanted.contains { current.labels[$0.key] != $0.value }
        guard changed || !stale.isEmpty || current.annotations[annotation] != names else { return }
        await store.modify(key) { object in
            for label in stale { object[path: ["metadata", "labels", label]] = nil }
            for (label, value) in wanted { object[path: ["metadata", "labels", label]] = .string(value) }
            object[path: ["metadata", "annotations", annotation]] = .string(names)
        }
    }

    static func defaultLabel(_ device: Device) -> String? {
        switch device.kind {
        case .usb:
            let deviceClass = usbClass(device)
            guard ["0e", "ef", "fe", "ff"].contains(deviceClass) else { return nil }
            return "usb-\(deviceClass)_\(device.identity.vendorID)_\(device.identity.productID).present"
        case .pci:
            let deviceClass = String(format: "%04x", device.deviceClass >> 8)
            guard deviceClass.hasPrefix("03") || deviceClass == "0b40" else { return nil }
            return "pci-\(deviceClass)_\(device.identity.vendorID).present"
        }
    }

    /// NFD takes a USB device's class from its interface when the device's own is 0,
    /// as it is for the Coral: the lab's devices of class 0 are vendor-specific (`ff`).
    static func usbClass(_ device: Device) -> String {
        device.deviceClass == 0 ? "ff" : String(format: "%02x", device.deviceClass)
    }

    /// All of `matchFeatures`, or any one of `matchAny`'s, match one of the devices.
    static func matches(_ rule: JSON, _ devices: [Device]) -> Bool {
        if let any = rule["matchAny"].arrayValue, !any.isEmpty {
            return any.contains { all(($0["matchFeatures"].arrayValue ?? []), devices) }
        }
        let features = rule["matchFeatures"].arrayValue ?? []
        return !features.isEmpty && all(features, devices)
    }

    private static func all(_ features: [JSON], _ devices: [Device]) -> Bool {
        !features.isEmpty && features.allSatisfy { feature in
            let kind: Device.Kind
            switch feature["feature"].stringValue {
            case "usb.device": kind = .usb
            case "pci.device": kind = .pci
            default: return false  // a feature source the lab does not model never matches
            }
            let expressions = feature["matchExpressions"].objectValue ?? [:]
            return devices.contains { device in
                device.kind == kind && expressions.allSatisfy { attribute, expression in
                    let value: String
                    switch attribute {
                    case "vendor": value = device.identity.vendorID
                    case "device": value = device.identity.productID
                    case "class": value = kind == .usb ? usbClass(device) : String(format: "%04x", device.deviceClass >> 8)
                    default: return false
                    }
                    let values = (expression["value"].arrayValue ?? []).compactMap(\.stringValue).map { $0.lowercased() }
                    switch expression["op"].stringValue {
                    case "In": return values.contains(value)
                    case "NotIn": return !values.contains(value)
                    case "Exists": return true
                    default: return false
                    }
                }
            }
        }
    }
}
