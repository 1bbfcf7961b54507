/// Hardware ferry recognises by its USB ids, and what a plan needs for it that no API
/// can say: that one device shows up under several ids, which driver package the VM
/// needs, and which log line proves an application found it. Without this table
/// `ferry plan` would have to ask; with it, a Coral is planned the way the blueprint
/// learned to do it by hand. Add a device here when its quirks are known.
struct KnownHardware: Sendable {
    /// The plan's device name (`coral`).
    var name: String
    /// What a person calls it, for comments.
    var title: String
    /// Every id the device enumerates under; the VM must accept all of them.
    var usbIDs: [String]
    /// Why the ids and options are what they are, written above the device in the plan.
    var explanation: [String]
    var driver: MigrationPlan.Driver?
    /// Checks that prove an application uses the device, by a word of the container's image.
    var checks: [ApplicationCheck]

    struct ApplicationCheck: Sendable {
        /// A container whose image contains this (`frigate`) gets the check.
        var image: String
        var application: String
        var log: String
        var timeout: PlanDuration
        /// The application's HTTP API (port and path), checked through a Service when one selects the pods.
        var api: (port: Int, path: String)?
    }

    static let catalog: [KnownHardware] = [
        KnownHardware(
            name: "coral", title: "Coral USB Accelerator", usbIDs: ["1a6e:089a", "18d1:9302"],
            explanation: [
                "The Coral enumerates as 1a6e:089a until its firmware loads, then as",
                "18d1:9302: the VM must accept both, on its USB 3 controller.",
            ],
            driver: MigrationPlan.Driver(
                name: "libedgetpu", check: "dpkg -s libedgetpu1-std", install: "apt-get update && apt-get install -y libedgetpu1-std"),
            checks: [ApplicationCheck(image: "frigate", application: "Frigate", log: "TPU found", timeout: .minutes(3),
                api: (5000, "/api/version"))]),
    ]

    /// An NVIDIA card a plan passes (found by its PCI ids, not here): the driver and
    /// container toolkit in the VM (K3s adds the `nvidia` runtime when it restarts
    /// with them), and what proves an application computes on it.
    static let nvidiaGPU = KnownHardware(
        name: "nvidia-gpu", title: "NVIDIA GPU", usbIDs: [], explanation: [],
        driver: MigrationPlan.Driver(
            name: "nvidia", check: "nvidia-smi -L && dpkg -s nvidia-container-toolkit",
            install: "apt-get update && apt-get install -y nvidia-driver-550 nvidia-container-toolkit && systemctl restart k3s-agent"),
        checks: [ApplicationCheck(image: "ollama", application: "Ollama", log: "library=cuda", timeout: .minutes(3), api: (11434, "/api/version"))])

    /// The catalog entry that has this `VENDOR:PRODUCT` id.
    static func usb(_ id: String) -> KnownHardware? {
        catalog.first { $0.usbIDs.contains(id.lowercased()) }
    }

    static func named(_ name: String) -> KnownHardware? {
        catalog.first { $0.name == name }
    }
}
