import Foundation
import FerryJSON

/// What the Kubernetes side sees of the VMs. A Node is Ready only while its VM's
/// guest is up; otherwise its Ready condition is Unknown, as the node lifecycle
/// controller marks a node whose kubelet stopped posting status, and the lab's
/// kubelet (which acts only on a Ready node) does nothing. The VM's `/dev` exists
/// in the node's filesystem only while it is up: `/dev/bus/usb/BUS/DEV` for each
/// passed-through USB device and `/dev/dri` for an AMD or Intel GPU.
///
/// Every write goes through the `ObjectStore`, whose change wakes the controllers.
extension Homelab {
    /// Connects the homelab to a cluster and brings its nodes in line with the VMs.
    public func attach(
        store: ObjectStore, filesystem: NodeFilesystem, hardwareChanged: @escaping @Sendable () -> Void = {}
    ) async {
        kube = KubeBinding(store: store, filesystem: filesystem, hardwareChanged: hardwareChanged)
        if addons.contains(.nodeFeatureDiscovery) { await NodeFeatureDiscovery.install(in: store) }
        await syncAllNodes()
    }

    func syncAllNodes() async {
        for vmid in machines.keys.sorted() { await syncNode(vmid) }
    }

    /// Writes VM `vmid`'s node status and `/dev` directories.
    func syncNode(_ vmid: Int) async {
        guard let kube, let vm = machines[vmid] else { return }
        syncDevices(vm, filesystem: kube.filesystem)
        let key = ObjectKey(ResourceCatalog.nodes, name: vm.kubeNode)
        let now = Timestamp.string(Date())
        await kube.store.modify(key, subresource: "status") { node in
            if vm.isUp {
                node.setCondition("Ready", status: true, reason: "KubeletReady", message: "kubelet is posting ready status", now: now)
                for (type, reason, message) in Self.pressureConditions {
                    node.setCondition(type, status: false, reason: reason, message: message, now: now)
                }
            } else {
                for type in ["Ready"] + Self.pressureConditions.map(\.0) {
                    Self.setUnknown(type, in: &node, now: now)
                }
            }
        }
        // nfd-worker and the device plugin run in the VM: while it is down, the labels
        // and the resources stay as they were.
        if addons.contains(.nodeFeatureDiscovery), vm.isUp {
            await NodeFeatureDiscovery.label(node: vm.kubeNode, devices: devicesVisible(inVM: vmid), store: kube.store)
        }
        if vm.isUp {
            await NVIDIAStack.advertise(node: vm.kubeNode, devices: devicesVisible(inVM: vmid), vm: vm, store: kube.store)
        }
        if addons.contains(.devicePlugin), vm.isUp {
            await DevicePlugin.advertise(node: vm.kubeNode, devices: devicesVisible(inVM: vmid), store: kube.store)
        }
        kube.hardwareChanged()
    }

    /// Brings the node's `/dev` in line with what the VM has, changing only what
    /// differs (a kubelet may be checking a hostPath at the same moment).
    private func syncDevices(_ vm: VirtualMachine, filesystem: NodeFilesystem) {
        let node = vm.kubeNode
        guard vm.isUp else {
            try? filesystem.remove(node: node, path: "/dev")
            return
        }
        let visible = devicesVisible(inVM: vm.vmid)
        var wanted: Set<String> = []
        for (bus, device, _) in Self.guestUSBAddresses(visible) {
            wanted.insert(String(format: "/dev/bus/usb/%03d/%03d", bus, device))
        }
        if visible.contains(where: \.providesDRI) { wanted.formUnion(["/dev/dri/card0", "/dev/dri/renderD128"]) }
        if visible.contains(where: { $0.kind == .pci && $0.identity.vendorID == "10de" }) { wanted.insert("/dev/nvidia0") }
        try? filesystem.createDirectory(node: node, path: "/dev/bus/usb/001")
        try? filesystem.createDirectory(node: node, path: "/dev/bus/usb/002")
        for path in wanted.sorted() where !filesystem.exists(node: node, path: path) {
            let url = filesystem.url(node: node, path: path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        for directory in ["/dev/bus/usb/002", "/dev/dri", "/dev"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: filesystem.url(node: node, path: directory).path)) ?? []
            for name in names {
                let path = directory + "/" + name
                let isDirectory = ["/dev/bus", "/dev/dri"].contains(path)
                if !isDirectory, !wanted.contains(path) { try? filesystem.remove(node: node, path: path) }
            }
        }
        if !wanted.contains("/dev/dri/card0") { try? filesystem.remove(node: node, path: "/dev/dri") }
    }

    /// Where passed-through USB devices sit inside a VM: the xHCI controller's
    /// SuperSpeed bus (002) for `usb3=1`, after QEMU's own devices; the device number
    /// grows when the device re-enumerates.
    static func guestUSBAddresses(_ devices: [Device]) -> [(bus: Int, device: Int, Device)] {
        devices.filter { $0.kind == .usb }.enumerated().map { index, device in
            (2, 2 + index + (device.opened ? 1 : 0), device)
        }
    }

    private static let pressureConditions = [
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ]

    private static func setUnknown(_ type: String, in node: inout JSON, now: String) {
        var conditions = node["status"]["conditions"].arrayValue ?? []
        let index = conditions.firstIndex { $0["type"].stringValue == type }
        var condition = index.map { conditions[$0] } ?? ["type": .string(type)]
        if condition["status"].stringValue != "Unknown" { condition["lastTransitionTime"] = .string(now) }
        condition["status"] = "Unknown"
        condition["reason"] = "NodeStatusUnknown"
        condition["message"] = "Kubelet stopped posting node status."
        if let index { conditions[index] = condition } else { conditions.append(condition) }
        node[path: ["status", "conditions"]] = .array(conditions)
    }
}
