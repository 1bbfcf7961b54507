import FerryJSON
import FerryLab

/// A Frigate-shaped workload for the demo: a namespace, a local-path claim and a
/// Recreate Deployment pinned to one node by hostname.
enum DemoWorkload {
    static func objects(node: String) -> [JSON] {
        [
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "frigate"]],
            [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": ["name": "frigate-config", "namespace": "frigate"],
                "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
            ],
            [
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": ["name": "frigate", "namespace": "frigate"],
                "spec": [
                    "replicas": 1, "strategy": ["type": "Recreate"],
                    "selector": ["matchLabels": ["app": "frigate"]],
                    "template": [
                        "metadata": ["labels": ["app": "frigate"]],
                        "spec": [
                            "nodeSelector": ["kubernetes.io/hostname": .string(node)],
                            "containers": [[
                                "name": "frigate", "image": "ghcr.io/blakeblackshear/frigate:0.14.1",
                                "volumeMounts": [["name": "config", "mountPath": "/config"]],
                            ]],
                            "volumes": [["name": "config", "persistentVolumeClaim": ["claimName": "frigate-config"]]],
                        ],
                    ],
                ],
            ],
        ]
    }
}
