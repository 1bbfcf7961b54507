import FerryCore
import FerryJSON
import FerryKube
import FerryLab
import Foundation
import Testing

/// A homelab tree in the shapes real ones have, on the `frigate-bootstrap` lab: the
/// root Kustomization `flux-system` applies Frigate beside Mosquitto, and Frigate's
/// folder holds a health-checker CronJob that names the Deployment and a backup
/// CronJob pinned to the source node that mounts the media claim and a static local PV.
@Suite(.serialized) struct HomelabTreeTests {
    static let source = "k3s-vm-pumped-piglet-gpu"
    static let target = "k3s-vm-still-fawn"

    /// Frigate's folder with the CronJobs beside it.
    static let files: [String: String] = [
        "apps/frigate/ingress.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: frigate
              namespace: frigate
              annotations:
                traefik.ingress.kubernetes.io/router.entrypoints: websecure
            spec:
              rules:
                - host: frigate.homelab.lan
                  http:
                    paths:
                      - path: /
                        pathType: Prefix
                        backend:
                          service:
                            name: frigate
                            port:
                              number: 5000
            ---
            # go2rtc's RTSP restream, straight through Traefik.
            apiVersion: traefik.io/v1alpha1
            kind: IngressRouteTCP
            metadata:
              name: frigate-rtsp
              namespace: frigate
            spec:
              entryPoints: [rtsp]
              routes:
                - match: HostSNI(`*`)
                  services:
                    - name: frigate
                      port: 8554

            """,
        "apps/frigate/rbac.yaml": """
            # The health-checker may restart Frigate, and nothing else.
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: frigate-healthcheck
              namespace: frigate
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: frigate-restarter
              namespace: frigate
            rules:
              - apiGroups: [apps]
                resources: [deployments]
                resourceNames: [frigate]
                verbs: [get, patch]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: frigate-healthcheck
              namespace: frigate
            subjects:
              - kind: ServiceAccount
                name: frigate-healthcheck
                namespace: frigate
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: frigate-restarter

            """,
        "apps/frigate/healthcheck.yaml": """
            # Restarts Frigate when its API stops answering.
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: frigate-healthcheck
              namespace: frigate
            spec:
              schedule: "*/5 * * * *"
              concurrencyPolicy: Forbid
              jobTemplate:
                spec:
                  template:
                    spec:
                      serviceAccountName: frigate-healthcheck
                      restartPolicy: Never
                      containers:
                        - name: check
                          image: bitnami/kubectl:1.31
                          env:
                            - name: TARGET
                              value: deployment/frigate
                          command: ["sh", "-c", "echo checking $TARGET"]

            """,
        "apps/frigate/backup.yaml": """
            # Nightly copy of the recordings to the USB disk on pumped-piglet.
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: frigate-backup-disk
            spec:
              capacity:
                storage: 1Ti
              accessModes: [ReadWriteOnce]
              persistentVolumeReclaimPolicy: Retain
              storageClassName: ""
              local:
                path: /mnt/usb-backup
              nodeAffinity:
                required:
                  nodeSelectorTerms:
                    - matchExpressions:
                        - key: kubernetes.io/hostname
                          operator: In
                          values: [k3s-vm-pumped-piglet-gpu]
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: frigate-backup-disk
              namespace: frigate
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: ""
              volumeName: frigate-backup-disk
              resources:
                requests:
                  storage: 1Ti
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: frigate-backup
              namespace: frigate
            spec:
              schedule: "0 3 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: OnFailure
                      nodeSelector:
                        kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu
                      containers:
                        - name: copy
                          image: alpine:3.20
                          command: ["sh", "-c", "cp -a /media/frigate/clips /backup/"]
                          volumeMounts:
                            - {name: media, mountPath: /media/frigate}
                            - {name: backup, mountPath: /backup}
                      volumes:
                        - name: media
                          persistentVolumeClaim:
                            claimName: frigate-media
                        - name: backup
                          persistentVolumeClaim:
                            claimName: frigate-backup-disk

            """,
    ]

    /// Pushes the CronJobs into Frigate's folder and waits until Flux has applied them.
    static func addTree(_ lab: PreflightLab) async throws {
        let repository = GitOpsRepository.existing(in: lab.directory)
        var files = files
        let kustomization = try String(contentsOf: lab.clone.appendingPathComponent("apps/frigate/kustomization.yaml"), encoding: .utf8)
        files["apps/frigate/kustomization.yaml"] = kustomization + "  - ingress.yaml\n  - rbac.yaml\n  - healthcheck.yaml\n  - backup.yaml\n"
        try repository.write(files)
        _ = try await repository.commitAll("frigate: health-check and nightly backup")
        try await repository.push()
        try await reconcile(lab)
        _ = try await lab.kube.waitFor(.cronJobs, "frigate-backup", namespace: "frigate", timeout: .seconds(30), waitingFor: "Flux to apply the CronJobs") { $0 != nil }
        // Flux is Ready on the whole tree: the Ingress, the Traefik route, the RBAC.
        let root = try await lab.kube.get(.kustomizations, "flux-system", namespace: "flux-system")
        #expect(root["status"]["conditions"].arrayValue?.first { $0["type"] == "Ready" }?["status"] == "True", "\(root["status"])")
    }

    /// Removes the backup from Git: what a user does to pass `ferry check`.
    static func removeBackup(_ lab: PreflightLab) async throws {
        let repository = GitOpsRepository.existing(in: lab.directory)
        let kustomization = try String(contentsOf: lab.clone.appendingPathComponent("apps/frigate/kustomization.yaml"), encoding: .utf8)
        try repository.write([
            "apps/frigate/kustomization.yaml": kustomization.replacingOccurrences(of: "  - backup.yaml\n", with: ""),
            "apps/frigate/backup.yaml": nil,
        ])
        _ = try await repository.commitAll("frigate: the backup moves to the NAS")
        try await repository.push()
        try await reconcile(lab)
        _ = try await lab.kube.waitFor(.cronJobs, "frigate-backup", namespace: "frigate", timeout: .seconds(30), waitingFor: "Flux to prune the backup") { $0 == nil }
    }

    static func reconcile(_ lab: PreflightLab) async throws {
        let now: JSON = ["metadata": ["annotations": ["reconcile.fluxcd.io/requestedAt": .string(UUID().uuidString)]]]
        try await lab.kube.patch(.gitRepositories, "flux-system", namespace: "flux-system", now)
        try await lab.kube.patch(.kustomizations, "flux-system", namespace: "flux-system", now)
    }

    static func discover(_ lab: PreflightLab) async throws -> DiscoveredPlan {
        try await PlanDiscovery(connections: lab.connections).discover(
            PlanRequest(namespace: "frigate", name: "frigate", targetNode: target, repo: lab.clone, workingDirectory: lab.directory))
    }

    @Test("plan names each CronJob with what it does; check refuses the backup that cannot follow and passes without it")
    func cronJobsBesideTheApp() async throws {
        try await PreflightLab.with(.frigateBootstrap) { lab in
            try await Self.addTree(lab)
            let discovered = try await Self.discover(lab)
            #expect(discovered.plan.cronJobs.map(\.name) == ["frigate-backup", "frigate-healthcheck"])
            #expect(discovered.yaml.contains("CronJob frigate-healthcheck names the workload (deployment/frigate): suspended from before frigate goes down"))
            #expect(discovered.yaml.contains(
                "CronJob frigate-backup mounts claim frigate-media, is pinned to the source node (nodeSelector kubernetes.io/hostname=\(Self.source))"))
            // Its pin follows the workload's, in Git.
            #expect(discovered.plan.manifestChanges.contains {
                $0.file == "apps/frigate/backup.yaml" && $0.document == "CronJob/frigate-backup" && $0.edit == .set(Self.target)
            })
            #expect(discovered.plan.gitops?.files.contains("apps/frigate/backup.yaml") == true)

            var plan = discovered.plan
            plan.verify.removeAll { if case .http = $0.kind { true } else { false } }
            let refused = try await lab.check(plan)
            let backup = try #require(refused.result("cronjob frigate-backup"))
            #expect(backup.status == .fail)
            #expect(backup.reason.contains("also mounts claim frigate-backup-disk, which the plan does not move"), "\(backup.reason)")
            #expect(backup.fix?.contains("add frigate-backup-disk to volumes (action: move)") == true)
            #expect(refused.result("cronjob frigate-healthcheck")?.status == .pass)

            try await Self.removeBackup(lab)
            let again = try await Self.discover(lab)
            #expect(again.plan.cronJobs.map(\.name) == ["frigate-healthcheck"])
            var passing = again.plan
            passing.verify.removeAll { if case .http = $0.kind { true } else { false } }
            let report = try await lab.check(passing)
            #expect(report.results.filter { $0.status == .fail }.map(\.check) == [])
        }
    }

    @Test("a second app on the same Coral, and one on the same claim, are refused with the choices")
    func otherAppsOnTheSameHardware() async throws {
        try await PreflightLab.with { lab in
            let plan = try lab.referencePlan()
            let exporter: JSON = [
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": ["name": "coral-exporter", "namespace": "monitoring"],
                "spec": [
                    "replicas": 1, "selector": ["matchLabels": ["app": "coral-exporter"]],
                    "template": [
                        "metadata": ["labels": ["app": "coral-exporter"]],
                        "spec": [
                            "nodeSelector": ["coral.ai/tpu": "usb"],
                            "containers": [["name": "exporter", "image": "alpine:3.20", "command": ["sleep", "infinity"]]],
                            "volumes": [["name": "usb", "hostPath": ["path": "/dev/bus/usb"]]],
                        ],
                    ],
                ],
            ]
            try await lab.kube.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "monitoring"]])
            try await lab.kube.create(.deployments, exporter)
            let viewer: JSON = [
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": ["name": "clip-viewer", "namespace": "frigate"],
                "spec": [
                    "replicas": 1, "selector": ["matchLabels": ["app": "clip-viewer"]],
                    "template": [
                        "metadata": ["labels": ["app": "clip-viewer"]],
                        "spec": [
                            "containers": [["name": "viewer", "image": "alpine:3.20", "command": ["sleep", "infinity"]]],
                            "volumes": [["name": "media", "persistentVolumeClaim": ["claimName": "frigate-media"]]],
                        ],
                    ],
                ],
            ]
            try await lab.kube.create(.deployments, viewer)
            let report = try await lab.check(plan)
            let coral = try #require(report.result("deployment monitoring/coral-exporter"))
            #expect(coral.status == .fail)
            #expect(coral.reason.contains("uses the same device (/dev/bus/usb)"), "\(coral.reason)")
            #expect(coral.fix?.contains("scale it to 0 for the move") == true)
            let media = try #require(report.result("deployment frigate/clip-viewer"))
            #expect(media.status == .fail)
            #expect(media.reason.contains("mounts claim frigate-media"), "\(media.reason)")
        }
    }
}
