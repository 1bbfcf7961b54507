import FerryJSON
import FerryKube
import FerryProxmox
import Testing

@testable import FerryCore

/// The rules `ferry plan` decides by, on objects as the APIs return them.
@Suite("Discovery rules")
struct DiscoveryRulesTests {
    static let source = MigrationPlan.Endpoint(node: "k3s-a", vm: "k3s-a", vmid: 105, host: "pumped-piglet")

    static func template(volumes: [JSON] = [], nodeSelector: JSON = .null, limits: JSON = .null, affinity: JSON = .null) -> JSON {
        var spec: JSON = ["containers": [["name": "app", "image": "ghcr.io/blakeblackshear/frigate:0.14.1", "resources": ["limits": limits]]]]
        spec["volumes"] = .array(volumes)
        if nodeSelector != .null { spec["nodeSelector"] = nodeSelector }
        if affinity != .null { spec["affinity"] = affinity }
        return ["spec": spec]
    }

    static let usbMount: JSON = ["name": "usb", "hostPath": ["path": "/dev/bus/usb"]]

    @Test("a Coral passed by both ids is one device with both ids; by one id it still gets both, with a note")
    func coral() {
        let both = VMConfig(values: ["usb0": "host=1a6e:089a,usb3=1", "usb1": "host=18d1:9302,usb3=1"])
        let found = DeviceDiscovery.devices(template: Self.template(volumes: [Self.usbMount]), config: both, vm: Self.source)
        #expect(found.devices == [.init(name: "coral", selector: .usb(.init(ids: ["1a6e:089a", "18d1:9302"], usb3: true)))])
        #expect(found.hardware.map(\.name) == ["coral"])

        let one = VMConfig(values: ["usb0": "host=1a6e:089a"])
        let partial = DeviceDiscovery.devices(template: Self.template(volumes: [Self.usbMount]), config: one, vm: Self.source)
        #expect(partial.devices == [.init(name: "coral", selector: .usb(.init(ids: ["1a6e:089a", "18d1:9302"], usb3: false)))])
        #expect(partial.itemNotes.first?.last == "VM 105 on pumped-piglet does not pass 18d1:9302 yet: the target VM gets every id.")
    }

    @Test("a GPU the pods request: the target host's own card of the same maker is planned (move: false); else the card stays, with how to carry it")
    func gpus() {
        let config = VMConfig(values: ["hostpci0": "0000:01:00,pcie=1"])
        var template = Self.template(limits: ["nvidia.com/gpu": 1])
        template["spec"]["runtimeClassName"] = "nvidia"
        let target = MigrationPlan.Endpoint(node: "k3s-b", vm: "k3s-b", vmid: 108, host: "still-fawn")
        let rtx = HostPCIDevice(address: "0000:01:00.0", vendorID: "10de", deviceID: "2484", deviceClass: 0x030000, iommuGroup: 14, vendorName: "NVIDIA Corporation")
        let audio = HostPCIDevice(address: "0000:01:00.1", vendorID: "10de", deviceID: "228b", deviceClass: 0x040300, iommuGroup: 14)
        let own = HostPCIDevice(address: "0000:02:00.0", vendorID: "10de", deviceID: "2204", deviceClass: 0x030000, iommuGroup: 31)
        let amd = HostPCIDevice(address: "0000:c4:00.0", vendorID: "1002", deviceID: "1681", deviceClass: 0x030000, iommuGroup: 20)

        let found = DeviceDiscovery.devices(template: template, config: config, vm: Self.source, target: target, cards: ([rtx, audio], [amd, own]))
        #expect(found.devices == [.init(
            name: "gpu", selector: .pci(.init(ids: ["10de:2204"], allFunctions: true, pcie: true)), resource: "nvidia.com/gpu", runtimeClass: "nvidia", move: false)])
        #expect(found.itemNotes.first?.first?.hasPrefix("still-fawn has a NVIDIA Corporation card of its own, 0000:02:00.0 [10de:2204]") == true, "\(found.itemNotes)")
        #expect(found.hardware.compactMap(\.driver?.name) == ["nvidia"])
        #expect(found.sectionNotes == ["VM 105 on pumped-piglet passes no USB device through."])

        let other = DeviceDiscovery.devices(template: template, config: config, vm: Self.source, target: target, cards: ([rtx, audio], [amd]))
        #expect(other.devices.isEmpty)
        #expect(other.sectionNotes == [
            "VM 105 on pumped-piglet passes no USB device through.",
            "hostpci0: 0000:01:00,pcie=1 stays in VM 105 on pumped-piglet; the pods use a GPU through nvidia.com/gpu, runtimeClassName nvidia (see manifestChanges). "
                + "To carry the card to the target host instead (both hosts power off for it, docs/PLAN.md \"PCI devices\"), add the device "
                + "{name: gpu, type: pci, ids: [10de:2484], resource: nvidia.com/gpu, runtimeClass: nvidia} and drop the manifest changes that remove them.",
        ])
    }

    @Test("other USB entries become one device each; nothing moves when the pods mount no USB path; PCI cards stay")
    func otherDevices() {
        let config = VMConfig(values: [
            "usb0": "host=10c4:ea60", "usb1": "host=1-1.4,usb3=1", "usb2": "mapping=Zigbee_Stick", "usb3": "spice",
            "hostpci0": "0000:01:00.0,pcie=1",
        ])
        let serial: JSON = ["name": "zigbee", "hostPath": ["path": "/dev/ttyUSB0"]]
        let found = DeviceDiscovery.devices(
            template: Self.template(volumes: [serial], limits: ["nvidia.com/gpu": 1]), config: config, vm: Self.source)
        #expect(found.devices == [
            .init(name: "usb-10c4-ea60", selector: .usb(.init(ids: ["10c4:ea60"]))),
            .init(name: "usb-port-1-1-4", selector: .usb(.init(port: "1-1.4", usb3: true))),
            .init(name: "zigbee-stick", selector: .usb(.init(mapping: "Zigbee_Stick"))),
        ])
        #expect(found.hardware.isEmpty)
        #expect(found.sectionNotes == [
            "hostpci0: 0000:01:00.0,pcie=1 stays in VM 105 on pumped-piglet; the pods use a GPU through nvidia.com/gpu (see manifestChanges).",
        ])

        let unused = DeviceDiscovery.devices(template: Self.template(), config: config, vm: Self.source)
        #expect(unused.devices.isEmpty)
        #expect(unused.sectionNotes.first?.hasSuffix("but the pods mount no USB device path and request no device plugin's resource: it stays.") == true)
    }

    @Test("a volume moves when its PV is bound to hosts that exclude the target's kubernetes.io/hostname")
    func volumeActions() {
        func pv(_ hosts: [String], storageClass: String = "local-path") -> PersistentVolume {
            var json: JSON = ["metadata": ["name": "pvc-1"], "spec": ["storageClassName": .string(storageClass)]]
            if !hosts.isEmpty {
                json[path: ["spec", "nodeAffinity"]] = ["required": ["nodeSelectorTerms": [[
                    "matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": .array(hosts.map { .string($0) })]],
                ]]]]
            }
            return PersistentVolume(json: json)
        }
        // The node's name and its hostname label differ (local-path-provisioner #413): the label counts.
        let target = Node(json: ["metadata": ["name": "k3s-b", "labels": ["kubernetes.io/hostname": "b.lan"]]])
        let bound = PlanDiscovery.volumeAction(pv(["k3s-a"]), target: target)
        #expect(bound.action == .move)
        #expect(bound.basis == "node-bound: PV pvc-1 has nodeAffinity kubernetes.io/hostname=k3s-a (storage class local-path)")
        #expect(PlanDiscovery.volumeAction(pv(["k3s-b"]), target: target).action == .move)
        #expect(PlanDiscovery.volumeAction(pv(["k3s-a", "b.lan"]), target: target).action == .keep)
        let network = PlanDiscovery.volumeAction(pv([], storageClass: "nfs-client"), target: target)
        #expect(network.action == .keep)
        #expect(network.basis.hasPrefix("not node-bound: PV pvc-1 (storage class nfs-client)"))
    }

    @Test("the hardware label comes from the nodeSelector or the required node affinity, never the hostname")
    func nodeLabels() {
        let source = Node(json: ["metadata": ["name": "a", "labels": ["coral.ai/tpu": "usb", "gpu": "nvidia"]]])
        let target = Node(json: ["metadata": ["name": "b", "labels": ["gpu": "nvidia"]]])
        let selector = NodeLabelDiscovery.label(
            template: Self.template(nodeSelector: ["kubernetes.io/hostname": "a", "coral.ai/tpu": "usb", "gpu": "nvidia"]),
            source: source, target: target)
        #expect(selector.label == .init(key: "coral.ai/tpu", value: "usb"))
        #expect(selector.notes == [
            "the nodeSelector has coral.ai/tpu=usb: a has it, b does not.",
            "the nodeSelector has gpu=nvidia, which b has already: nothing to move.",
        ])
        let affinity: JSON = ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [[
            "matchExpressions": [["key": "coral.ai/tpu", "operator": "In", "values": ["usb"]]],
        ]]]]]
        #expect(NodeLabelDiscovery.label(template: Self.template(affinity: affinity), source: source, target: target).label?.key == "coral.ai/tpu")
        let pinnedOnly = NodeLabelDiscovery.label(template: Self.template(nodeSelector: ["kubernetes.io/hostname": "a"]), source: source, target: target)
        #expect(pinnedOnly.label == nil)
    }

    @Test("SMBIOS uuids match ignoring case and the byte order of the first three groups")
    func smbios() {
        let value = "uuid=4C4C4544-0042-3510-8052-B4C04F4E3732,manufacturer=UVJlZA==,base64=1"
        let uuid = SMBIOS.uuid(in: value)
        #expect(uuid == "4c4c4544-0042-3510-8052-b4c04f4e3732")
        #expect(SMBIOS.same("4c4c4544-0042-3510-8052-b4c04f4e3732", "4C4C4544-0042-3510-8052-B4C04F4E3732"))
        #expect(SMBIOS.same("4c4c4544-0042-3510-8052-b4c04f4e3732", "44454c4c-4200-1035-8052-b4c04f4e3732"))
        #expect(!SMBIOS.same("4c4c4544-0042-3510-8052-b4c04f4e3732", "4c4c4544-0042-3510-8052-b4c04f4e3733"))
    }

    @Test("Git URLs compare across SSH, HTTPS and file spellings")
    func gitURLs() {
        #expect(GitURL.same("git@github.com:me/gitops.git", "https://github.com/me/gitops"))
        #expect(GitURL.same("ssh://git@GitHub.com:22/me/gitops.git", "https://github.com/me/gitops/"))
        #expect(GitURL.same("file:///srv/git/gitops.git", "/srv/git/gitops"))
        #expect(!GitURL.same("https://github.com/me/gitops", "https://github.com/you/gitops"))
    }

    @Test("the plan's name comes from the workload and the hosts' last words")
    func planName() {
        let target = MigrationPlan.Endpoint(node: "k3s-vm-still-fawn", vm: "k3s-vm-still-fawn", vmid: 108, host: "still-fawn")
        #expect(PlanDiscovery.planName(workload: "frigate", source: Self.source, target: target) == "frigate-piglet-to-fawn")
        let sameWord = MigrationPlan.Endpoint(node: "k3s-b", vm: "k3s-b", vmid: 108, host: "big-piglet")
        #expect(PlanDiscovery.planName(workload: "nvr", source: Self.source, target: sameWord) == "nvr-pumped-piglet-to-big-piglet")
    }

    @Test("NVIDIA presets are found in an embedded config")
    func presets() {
        let config = "ffmpeg:\n  hwaccel_args: preset-nvidia-h264\ncameras:\n  b:\n    ffmpeg:\n      hwaccel_args: preset-nvidia-h265\n  c: {hwaccel_args: preset-nvidia-h264}\n"
        #expect(PlanDiscovery.nvidiaPresets(in: config) == ["preset-nvidia-h264", "preset-nvidia-h265"])
        #expect(PlanDiscovery.nvidiaPresets(in: "hwaccel_args: preset-vaapi").isEmpty)
    }

    @Test("notes are written as comments where they belong and never change what the plan parses to")
    func notes() throws {
        let plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        var notes = PlanNotes()
        notes.add("found by a test", at: .header)
        notes.add("runs on k3s-vm-pumped-piglet-gpu: pod frigate-1", at: .section("source"))
        notes.add("two\nlines", at: .item("volumes", 1))
        notes.add("the clone", at: .field("gitops", "repo"))
        notes.add("nvidia: no handler", at: .item("manifestChanges", 1))
        let text = plan.yaml(notes: notes)
        #expect(try PlanParser.parse(text, file: "noted.yaml") == plan)
        #expect(text.contains("Every field: docs/PLAN.md.\n# found by a test\napiVersion:"))
        #expect(text.contains("VMID and host.\n# runs on k3s-vm-pumped-piglet-gpu: pod frigate-1\nsource:\n"))
        #expect(text.contains("    action: move\n  # two\n  # lines\n  - claim: frigate-media\n"))
        #expect(text.contains("gitops:\n  # the clone\n  repo: ~/homelab-gitops\n"))
        #expect(text.contains("    set: k3s-vm-still-fawn\n  # nvidia: no handler\n  - file: apps/frigate/deployment.yaml\n"))
        #expect(plan.yaml(notes: PlanNotes()) == plan.yaml)
    }
}
