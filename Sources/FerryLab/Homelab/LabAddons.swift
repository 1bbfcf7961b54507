/// The optional parts a homelab may run in its cluster, each changing how workloads
/// find their hardware: a scenario runs without them unless asked.
public struct LabAddons: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Node Feature Discovery labels nodes from the USB and PCI devices their VMs
    /// see, by NFD's defaults and the NodeFeatureRules stored.
    public static let nodeFeatureDiscovery = LabAddons(rawValue: 1 << 0)
    /// A device plugin advertises `coral.ai/tpu` on a node while its VM sees a Coral,
    /// as the generic device plugins homelabs run for one do.
    public static let devicePlugin = LabAddons(rawValue: 1 << 1)

    /// By the names `ferry lab up --addon` takes.
    public static let names: [(name: String, addon: LabAddons)] = [
        ("node-feature-discovery", .nodeFeatureDiscovery), ("device-plugin", .devicePlugin),
    ]
}
