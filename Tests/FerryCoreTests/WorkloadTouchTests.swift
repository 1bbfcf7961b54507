@testable import FerryCore
import FerryJSON
import Testing

/// The rules that find what beside the workload the move touches: each way a pod
/// template can touch it, and the look-alikes that do not.
struct WorkloadTouchTests {
    static let subject = WorkloadTouch.Subject(
        kind: "Deployment", name: "frigate", claims: ["frigate-config", "frigate-media"], podLabels: ["app": "frigate"],
        sourceHostname: "k3s-vm-pumped-piglet-gpu", nodeLabel: .init(key: "coral.ai/tpu", value: "usb"),
        devicePaths: ["/dev/bus/usb"], extendedResources: ["nvidia.com/gpu"])

    static func template(_ spec: JSON) -> JSON { ["spec": spec] }

    static func ways(_ spec: JSON) -> [String] { WorkloadTouch.ways(template(spec), touch: subject).map(\.description) }

    @Test("a backup pinned to the source that mounts the media claim and another claim")
    func backup() {
        #expect(Self.ways([
            "nodeSelector": ["kubernetes.io/hostname": "k3s-vm-pumped-piglet-gpu"],
            "volumes": [
                ["name": "media", "persistentVolumeClaim": ["claimName": "frigate-media"]],
                ["name": "disk", "persistentVolumeClaim": ["claimName": "backup-disk"]],
            ],
            "containers": [["name": "rsync", "command": ["sh", "-c", "rsync -a /media/ /backup/"]]],
        ]) == ["mounts claim frigate-media", "is pinned to the source node (nodeSelector kubernetes.io/hostname=k3s-vm-pumped-piglet-gpu)"])
    }

    @Test("a health-checker that names the Deployment, in any of kubectl's spellings, or selects its pods")
    func healthChecker() {
        for command in [
            "kubectl rollout restart deployment/frigate", "kubectl -n frigate rollout restart deploy/frigate",
            "kubectl rollout restart deployments.apps/frigate", "kubectl delete pod -l app=frigate",
            "kubectl delete pods --selector=app=frigate", "kubectl scale deployment frigate --replicas=1",
        ] {
            #expect(Self.ways(["containers": [["name": "check", "args": ["sh", "-c", .string("curl -sf http://frigate:5000/api/version || \(command)")]]]]).count == 1, "\(command)")
        }
        #expect(Self.ways(["containers": [["name": "check", "env": [["name": "TARGET", "value": "deployment/frigate"]]]]])
            == ["names the workload (deployment/frigate)"])
    }

    @Test("the same device, its extended resource or its node label; near misses do not count")
    func hardwareAndNearMisses() {
        #expect(Self.ways(["volumes": [["name": "usb", "hostPath": ["path": "/dev/bus/usb"]]]]) == ["uses the same device (/dev/bus/usb)"])
        #expect(Self.ways(["containers": [["name": "x", "resources": ["limits": ["nvidia.com/gpu": "1"]]]]]) == ["uses the same device (nvidia.com/gpu)"])
        #expect(Self.ways(["nodeSelector": ["coral.ai/tpu": "usb"]]) == ["selects its node by nodeSelector coral.ai/tpu=usb"])
        // Another app's name that starts like it, a selector for other pods, another node, another claim.
        #expect(Self.ways([
            "nodeSelector": ["kubernetes.io/hostname": "k3s-vm-still-fawn"],
            "volumes": [["name": "d", "persistentVolumeClaim": ["claimName": "frigate-config-backup"]]],
            "containers": [["name": "c", "args": ["kubectl rollout restart deployment/frigate-exporter", "kubectl delete pod -l app=mosquitto"]]],
        ]).isEmpty)
    }
}
