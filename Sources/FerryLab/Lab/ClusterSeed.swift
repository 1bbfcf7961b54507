import Foundation
import FerryJSON

/// The objects a fresh K3s cluster has before anyone deploys anything: its
/// namespaces, the `local-path` StorageClass, the RuntimeClasses K3s creates, the
/// API its packaged add-ons bring (`K3sAddons`), and one Node per VM.
enum ClusterSeed {
    static func apply(to store: ObjectStore, nodes: [NodeSpec], network: PodNetwork) async throws {
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            try await store.create(
                [
                    "apiVersion": "v1", "kind": "Namespace",
                    "metadata": ["name": .string(name), "labels": ["kubernetes.io/metadata.name": .string(name)]],
                    "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"],
                ], kind: ResourceCatalog.namespaces)
        }
        try await store.create(localPathClass, kind: ResourceCatalog.storageClasses)
        // K3s creates these whether or not a node has the runtime; a pod that names
        // one its node lacks fails at sandbox creation, not at admission.
        for handler in ["crun", "lunatic", "nvidia", "nvidia-experimental", "slight", "spin", "wasmedge", "wasmer", "wasmtime", "wws"] {
            try await store.create(
                ["apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": ["name": .string(handler)],
                 "handler": .string(handler)],
                kind: ResourceCatalog.runtimeClasses)
        }
        try await K3sAddons.apply(to: store)
        for (index, spec) in nodes.enumerated() {
            try await store.create(node(spec, index: index, podCIDR: network.cidr(node: index)), kind: ResourceCatalog.nodes)
        }
    }

    static let localPathClass: JSON = [
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": [
            "name": "local-path",
            "annotations": [
                "storageclass.kubernetes.io/is-default-class": "true",
                "objectset.rio.cattle.io/id": "",
            ],
        ],
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
    ]

    static func node(_ spec: NodeSpec, index: Int, podCIDR: String) -> JSON {
        var labels = [
            "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": spec.hostname, "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": "k3s",
        ]
        labels.merge(spec.labels) { _, new in new }
        var capacity = spec.capacity.mapValues { JSON.string($0) }
        capacity["ephemeral-storage"] = capacity["ephemeral-storage"] ?? "100Gi"
        var handlers: [JSON] = [["name": "", "features": ["recursiveReadOnlyMounts": true]],
                                ["name": "runc", "features": ["recursiveReadOnlyMounts": true]]]
        handlers += spec.runtimeHandlers.map { ["name": .string($0), "features": ["recursiveReadOnlyMounts": true]] }
        var node: JSON = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": [
                "name": .string(spec.name), "labels": .object(labels.mapValues { .string($0) }),
                "annotations": ["k3s.io/hostname": .string(spec.hostname), "k3s.io/internal-ip": .string(spec.internalIP)],
            ],
            "spec": ["podCIDR": .string(podCIDR), "providerID": .string("k3s://\(spec.name)")],
            "status": [
                "addresses": [["type": "InternalIP", "address": .string(spec.internalIP)],
                              ["type": "Hostname", "address": .string(spec.hostname)]],
                "capacity": .object(capacity), "allocatable": .object(capacity),
                "nodeInfo": [
                    "architecture": "amd64", "bootID": .string(UUID().uuidString.lowercased()),
                    "containerRuntimeVersion": "containerd://2.0.4-k3s2", "kernelVersion": "6.8.0-51-generic",
                    "kubeProxyVersion": "v1.32.4+k3s1", "kubeletVersion": "v1.32.4+k3s1",
                    "machineID": .string(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")),
                    "operatingSystem": "linux", "osImage": "Ubuntu 24.04.1 LTS",
                    "systemUUID": .string(UUID().uuidString.lowercased()),
                ],
                "runtimeHandlers": .array(handlers),
                "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
            ],
        ]
        if !spec.taints.isEmpty { node[path: ["spec", "taints"]] = .array(spec.taints) }
        let now = Timestamp.string(Date())
        for (type, reason, message) in [
            ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ] {
            node.setCondition(type, status: false, reason: reason, message: message, now: now)
        }
        node.setCondition("Ready", status: true, reason: "KubeletReady", message: "kubelet is posting ready status", now: now)
        return node
    }
}
