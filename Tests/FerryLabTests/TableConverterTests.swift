import Foundation
import Testing

@testable import FerryLab
import FerryJSON

/// A fixed clock and timestamps relative to it.
private let now = Date(timeIntervalSince1970: 1_750_000_000)
private func ago(_ seconds: TimeInterval) -> JSON {
    .string(now.addingTimeInterval(-seconds).formatted(.iso8601))
}

private func table(_ kind: ResourceKind, _ objects: [JSON], include: IncludeObject = .metadata) -> JSON {
    TableConverter.table(
        kind: kind, objects: objects, listMetadata: ["resourceVersion": "42"], includeObject: include, now: now)
}

private func columns(_ table: JSON) -> [String] {
    table["columnDefinitions"].arrayValue?.compactMap { $0["name"].stringValue } ?? []
}

private func cells(_ table: JSON, row: Int = 0) -> [JSON] {
    table["rows"].arrayValue?[row]["cells"].arrayValue ?? []
}

/// The cell under `column` in the first row.
private func cell(_ table: JSON, _ column: String, row: Int = 0) -> JSON? {
    guard let index = columns(table).firstIndex(of: column) else { return nil }
    let values = cells(table, row: row)
    return index < values.count ? values[index] : nil
}

private func pod(
    _ name: String = "web-0", phase: String = "Running", containerStatuses: [JSON] = [], extraMetadata: [String: JSON] = [:],
    status: [String: JSON] = [:]
) -> JSON {
    var metadata: JSON = ["name": .string(name), "namespace": "default", "creationTimestamp": ago(3600)]
    for (k, v) in extraMetadata { metadata[k] = v }
    var statusJSON: JSON = ["phase": .string(phase), "containerStatuses": .array(containerStatuses), "podIP": "10.42.0.7"]
    for (k, v) in status { statusJSON[k] = v }
    return [
        "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
        "spec": ["nodeName": "lab-1", "containers": [["name": "app", "image": "nginx:1.27"]]],
        "status": statusJSON,
    ]
}

private let runningReady: JSON = ["name": "app", "ready": true, "restartCount": 0, "state": ["running": ["startedAt": ago(3500)]]]

@Suite("Table conversion")
struct TableConverterTests {
    @Test("a table carries kind, apiVersion, the list's resourceVersion and column definitions")
    func tableShape() {
        let t = table(ResourceCatalog.pods, [pod(containerStatuses: [runningReady])])
        #expect(t["kind"] == "Table")
        #expect(t["apiVersion"] == "meta.k8s.io/v1")
        #expect(t["metadata"] == ["resourceVersion": "42"])
        let name = t["columnDefinitions"].arrayValue?.first
        #expect(name?["name"] == "Name")
        #expect(name?["type"] == "string")
        #expect(name?["format"] == "name")
        #expect(name?["priority"] == 0)
        #expect(name?["description"].stringValue?.hasPrefix("Name must be unique within a namespace.") == true)
    }

    @Test("rows carry PartialObjectMetadata by default, the whole object with Object, nothing with None")
    func includeObject() {
        let p = pod(containerStatuses: [runningReady])
        let meta = table(ResourceCatalog.pods, [p])["rows"].arrayValue?.first?["object"]
        #expect(meta?["kind"] == "PartialObjectMetadata")
        #expect(meta?["apiVersion"] == "meta.k8s.io/v1")
        #expect(meta?["metadata"] == p["metadata"])
        #expect(meta?["spec"].isNull == true)
        #expect(table(ResourceCatalog.pods, [p], include: .object)["rows"].arrayValue?.first?["object"] == p)
        #expect(table(ResourceCatalog.pods, [p], include: .none)["rows"].arrayValue?.first?["object"].isNull == true)
    }

    @Test("pod columns: Name Ready Status Restarts Age, then wide IP Node Nominated Node Readiness Gates")
    func podColumns() {
        let t = table(ResourceCatalog.pods, [pod(containerStatuses: [runningReady])])
        #expect(columns(t) == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"])
        let priorities = t["columnDefinitions"].arrayValue?.compactMap { $0["priority"].intValue }
        #expect(priorities == [0, 0, 0, 0, 0, 1, 1, 1, 1])
        #expect(cells(t) == ["web-0", "1/1", "Running", "0", "60m", "10.42.0.7", "lab-1", "<none>", "<none>"])
    }

    @Test("a crash-looping pod shows CrashLoopBackOff and '5 (20s ago)' restarts")
    func crashLoop() {
        let status: JSON = [
            "name": "app", "ready": false, "restartCount": 5,
            "state": ["waiting": ["reason": "CrashLoopBackOff", "message": "back-off 2m40s"]],
            "lastState": ["terminated": ["exitCode": 1, "reason": "Error", "finishedAt": ago(20)]],
        ]
        let t = table(ResourceCatalog.pods, [pod(containerStatuses: [status])])
        #expect(cell(t, "Ready") == "0/1")
        #expect(cell(t, "Status") == "CrashLoopBackOff")
        #expect(cell(t, "Restarts") == "5 (20s ago)")
    }

    @Test("a pending pod whose image is being pulled shows ContainerCreating; an unscheduled one Pending")
    func pending() {
        let creating: JSON = ["name": "app", "ready": false, "restartCount": 0, "state": ["waiting": ["reason": "ContainerCreating"]]]
        #expect(cell(table(ResourceCatalog.pods, [pod(phase: "Pending", containerStatuses: [creating])]), "Status") == "ContainerCreating")
        let unscheduled = table(ResourceCatalog.pods, [pod(phase: "Pending")])
        #expect(cell(unscheduled, "Status") == "Pending")
        #expect(cell(unscheduled, "Ready") == "0/1")
    }

    @Test("a finished pod shows Completed or Error and carries a Completed row condition")
    func finished() {
        let done: JSON = ["name": "app", "ready": false, "restartCount": 0, "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]]
        let t = table(ResourceCatalog.pods, [pod(phase: "Succeeded", containerStatuses: [done])])
        #expect(cell(t, "Status") == "Completed")
        #expect(t["rows"].arrayValue?.first?["conditions"].arrayValue?.first?["reason"] == "Succeeded")
        let failed: JSON = ["name": "app", "ready": false, "restartCount": 0, "state": ["terminated": ["exitCode": 2, "reason": "Error"]]]
        #expect(cell(table(ResourceCatalog.pods, [pod(phase: "Failed", containerStatuses: [failed])]), "Status") == "Error")
        let noReason: JSON = ["name": "app", "ready": false, "restartCount": 0, "state": ["terminated": ["exitCode": 137]]]
        #expect(cell(table(ResourceCatalog.pods, [pod(phase: "Failed", containerStatuses: [noReason])]), "Status") == "ExitCode:137")
    }

    @Test("a pod being deleted shows Terminating; on a lost node, Unknown; NodeLost without deletion")
    func terminating() {
        let deleting = pod(containerStatuses: [runningReady], extraMetadata: ["deletionTimestamp": ago(2)])
        #expect(cell(table(ResourceCatalog.pods, [deleting]), "Status") == "Terminating")
        let lost = pod(containerStatuses: [runningReady], extraMetadata: ["deletionTimestamp": ago(2)], status: ["reason": "NodeLost"])
        #expect(cell(table(ResourceCatalog.pods, [lost]), "Status") == "Unknown")
        let lostOnly = pod(phase: "Unknown", status: ["reason": "NodeLost"])
        #expect(cell(table(ResourceCatalog.pods, [lostOnly]), "Status") == "NodeLost")
        let doneDeleting = pod(phase: "Succeeded", extraMetadata: ["deletionTimestamp": ago(2)])
        #expect(cell(table(ResourceCatalog.pods, [doneDeleting]), "Status") == "Succeeded")
    }

    @Test("init containers show Init:n/m, Init:reason, and restarts count once initialised")
    func initContainers() {
        var p = pod(phase: "Pending")
        p["spec"]["initContainers"] = [["name": "migrate", "image": "busybox"], ["name": "seed", "image": "busybox"]]
        p["status"]["initContainerStatuses"] = [
            ["name": "migrate", "ready": false, "restartCount": 0, "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]],
            ["name": "seed", "ready": false, "restartCount": 0, "state": ["running": [:]]],
        ]
        #expect(cell(table(ResourceCatalog.pods, [p]), "Status") == "Init:1/2")
        p["status"]["initContainerStatuses"] = [
            ["name": "migrate", "ready": false, "restartCount": 2, "state": ["waiting": ["reason": "CrashLoopBackOff"]]]
        ]
        #expect(cell(table(ResourceCatalog.pods, [p]), "Status") == "Init:CrashLoopBackOff")
        #expect(cell(table(ResourceCatalog.pods, [p]), "Restarts") == "2")
    }

    @Test("readiness gates count the gates whose condition is True")
    func readinessGates() {
        var p = pod(containerStatuses: [runningReady])
        p["spec"]["readinessGates"] = [["conditionType": "example.com/lb"], ["conditionType": "example.com/dns"]]
        p["status"]["conditions"] = [["type": "example.com/lb", "status": "True"], ["type": "example.com/dns", "status": "False"]]
        #expect(cell(table(ResourceCatalog.pods, [p]), "Readiness Gates") == "1/2")
    }

    @Test("nodes show Ready, NotReady, Unknown and Ready,SchedulingDisabled when cordoned; roles from labels")
    func nodes() {
        func node(_ ready: String?, unschedulable: Bool = false, labels: JSON = [:]) -> JSON {
            var n: JSON = [
                "metadata": ["name": "lab-1", "creationTimestamp": ago(86400 * 3), "labels": labels],
                "spec": [:],
                "status": [
                    "nodeInfo": ["kubeletVersion": "v1.32.4+k3s1", "osImage": "Ubuntu 24.04 LTS", "kernelVersion": "6.8.0", "containerRuntimeVersion": "containerd://2.0.4-k3s2"],
                    "addresses": [["type": "InternalIP", "address": "192.168.1.10"], ["type": "Hostname", "address": "lab-1"]],
                ],
            ]
            if let ready { n["status"]["conditions"] = [["type": "MemoryPressure", "status": "False"], ["type": "Ready", "status": .string(ready)]] }
            if unschedulable { n["spec"]["unschedulable"] = true }
            return n
        }
        let server = node("True", labels: ["node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true", "node-role.kubernetes.io/etcd": "true"])
        let t = table(ResourceCatalog.nodes, [server])
        #expect(columns(t) == ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"])
        #expect(cells(t) == ["lab-1", "Ready", "control-plane,etcd,master", "3d", "v1.32.4+k3s1", "192.168.1.10", "<none>", "Ubuntu 24.04 LTS", "6.8.0", "containerd://2.0.4-k3s2"])
        #expect(cell(table(ResourceCatalog.nodes, [node("True", unschedulable: true)]), "Status") == "Ready,SchedulingDisabled")
        #expect(cell(table(ResourceCatalog.nodes, [node("Unknown")]), "Status") == "NotReady")
        #expect(cell(table(ResourceCatalog.nodes, [node(nil)]), "Status") == "Unknown")
        #expect(cell(table(ResourceCatalog.nodes, [node("True")]), "Roles") == "<none>")
        #expect(cell(table(ResourceCatalog.nodes, [node("True", labels: ["kubernetes.io/role": "worker"])]), "Roles") == "worker")
    }

    @Test("deployments show Ready as ready/desired, Up-to-date and Available as integers, and wide columns")
    func deployments() {
        let d: JSON = [
            "metadata": ["name": "web", "creationTimestamp": ago(600)],
            "spec": [
                "replicas": 3,
                "selector": ["matchLabels": ["app": "web", "tier": "front"]],
                "template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"], ["name": "log", "image": "fluent-bit:3"]]]],
            ],
            "status": ["readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2],
        ]
        let t = table(ResourceCatalog.deployments, [d])
        #expect(columns(t) == ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"])
        #expect(cells(t) == ["web", "2/3", 3, 2, "10m", "web,log", "nginx:1.27,fluent-bit:3", "app=web,tier=front"])
    }

    @Test("a fresh deployment with no status shows 0/1 and zeros")
    func freshDeployment() {
        let d: JSON = ["metadata": ["name": "api", "creationTimestamp": ago(1)], "spec": ["selector": ["matchExpressions": [["key": "app", "operator": "In", "values": ["b", "a"]]]]]]
        #expect(cells(table(ResourceCatalog.deployments, [d])) == ["api", "0/1", 0, 0, "1s", "", "", "app in (a,b)"])
    }

    @Test("replicasets show Desired, Current and Ready as integers")
    func replicaSets() {
        let rs: JSON = ["metadata": ["name": "web-7d9f", "creationTimestamp": ago(600)], "spec": ["replicas": 2, "selector": ["matchLabels": ["app": "web"]], "template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]], "status": ["replicas": 2, "readyReplicas": 1]]
        let t = table(ResourceCatalog.replicaSets, [rs])
        #expect(columns(t) == ["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"])
        #expect(cells(t) == ["web-7d9f", 2, 2, 1, "10m", "web", "nginx:1.27", "app=web"])
    }

    @Test("statefulsets show Ready as ready/desired")
    func statefulSets() {
        let s: JSON = ["metadata": ["name": "db", "creationTimestamp": ago(7200)], "spec": ["replicas": 1, "template": ["spec": ["containers": [["name": "pg", "image": "postgres:17"]]]]], "status": ["readyReplicas": 1]]
        let t = table(ResourceCatalog.statefulSets, [s])
        #expect(columns(t) == ["Name", "Ready", "Age", "Containers", "Images"])
        #expect(cells(t) == ["db", "1/1", "120m", "pg", "postgres:17"])
    }

    @Test("the default StorageClass is marked (default); defaults fill reclaim policy and binding mode")
    func storageClasses() {
        let localPath: JSON = [
            "metadata": ["name": "local-path", "creationTimestamp": ago(86400 * 45), "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]],
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
        ]
        let nfs: JSON = ["metadata": ["name": "nfs", "creationTimestamp": ago(86400)], "provisioner": "nfs.csi.k8s.io", "allowVolumeExpansion": true]
        let t = table(ResourceCatalog.storageClasses, [localPath, nfs])
        #expect(columns(t) == ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"])
        #expect(cells(t, row: 0) == ["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, "45d"])
        #expect(cells(t, row: 1) == ["nfs", "nfs.csi.k8s.io", "Delete", "Immediate", true, "24h"])
    }

    @Test("PVCs and PVs show binding, capacity, access modes and class")
    func volumes() {
        let pvc: JSON = [
            "metadata": ["name": "data-db-0", "namespace": "db", "creationTimestamp": ago(86400 * 10)],
            "spec": ["volumeName": "pvc-123", "storageClassName": "local-path", "volumeMode": "Filesystem", "resources": ["requests": ["storage": "5Gi"]]],
            "status": ["phase": "Bound", "capacity": ["storage": "5Gi"], "accessModes": ["ReadWriteOnce"]],
        ]
        let claims = table(ResourceCatalog.persistentVolumeClaims, [pvc])
        #expect(columns(claims) == ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"])
        #expect(cells(claims) == ["data-db-0", "Bound", "pvc-123", "5Gi", "RWO", "local-path", "<unset>", "10d", "Filesystem"])
        let pending: JSON = ["metadata": ["name": "x", "creationTimestamp": ago(5)], "spec": ["storageClassName": "nfs"], "status": ["phase": "Pending"]]
        #expect(cells(table(ResourceCatalog.persistentVolumeClaims, [pending])) == ["x", "Pending", "", "", "", "nfs", "<unset>", "5s", "<unset>"])

        let pv: JSON = [
            "metadata": ["name": "pvc-123", "creationTimestamp": ago(86400 * 10)],
            "spec": ["capacity": ["storage": "5Gi"], "accessModes": ["ReadWriteMany", "ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "local-path", "claimRef": ["namespace": "db", "name": "data-db-0"]],
            "status": ["phase": "Bound"],
        ]
        let volumes = table(ResourceCatalog.persistentVolumes, [pv])
        #expect(columns(volumes) == ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"])
        #expect(cells(volumes) == ["pvc-123", "5Gi", "RWO,RWX", "Delete", "Bound", "db/data-db-0", "local-path", "<unset>", "", "10d", "<unset>"])
    }

    @Test("namespaces, configmaps, secrets, service accounts and runtime classes print their counts and fields")
    func simpleKinds() {
        let ns: JSON = ["metadata": ["name": "flux-system", "creationTimestamp": ago(90)], "status": ["phase": "Active"]]
        #expect(cells(table(ResourceCatalog.namespaces, [ns])) == ["flux-system", "Active", "90s"])
        let cm: JSON = ["metadata": ["name": "cfg", "creationTimestamp": ago(60)], "data": ["a": "1", "b": "2"], "binaryData": ["c": "AA=="]]
        #expect(cells(table(ResourceCatalog.configMaps, [cm])) == ["cfg", 3, "60s"])
        let secret: JSON = ["metadata": ["name": "tls", "creationTimestamp": ago(60)], "type": "kubernetes.io/tls", "data": ["tls.crt": "", "tls.key": ""]]
        #expect(cells(table(ResourceCatalog.secrets, [secret])) == ["tls", "kubernetes.io/tls", 2, "60s"])
        let sa: JSON = ["metadata": ["name": "default", "creationTimestamp": ago(60)]]
        #expect(cells(table(ResourceCatalog.serviceAccounts, [sa])) == ["default", 0, "60s"])
        let rc: JSON = ["metadata": ["name": "nvidia", "creationTimestamp": ago(60)], "handler": "nvidia"]
        let rcTable = table(ResourceCatalog.runtimeClasses, [rc])
        #expect(columns(rcTable) == ["Name", "Handler", "Age"])
        #expect(cells(rcTable) == ["nvidia", "nvidia", "60s"])
    }

    @Test("services show type, cluster IP, external IP, ports with node ports, and the selector")
    func services() {
        let svc: JSON = [
            "metadata": ["name": "web", "creationTimestamp": ago(300)],
            "spec": ["type": "NodePort", "clusterIP": "10.43.0.10", "clusterIPs": ["10.43.0.10"], "ports": [["port": 80, "nodePort": 30080, "protocol": "TCP"], ["port": 53, "protocol": "UDP"]], "selector": ["app": "web"]],
        ]
        let t = table(ResourceCatalog.services, [svc])
        #expect(columns(t) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"])
        #expect(cells(t) == ["web", "NodePort", "10.43.0.10", "<none>", "80:30080/TCP,53/UDP", "5m", "app=web"])
        let lb: JSON = ["metadata": ["name": "traefik", "creationTimestamp": ago(300)], "spec": ["type": "LoadBalancer", "clusterIPs": ["10.43.0.5"], "ports": [["port": 443, "protocol": "TCP", "nodePort": 31443]]], "status": ["loadBalancer": ["ingress": [["ip": "192.168.1.10"]]]]]
        #expect(cell(table(ResourceCatalog.services, [lb]), "External-IP") == "192.168.1.10")
        var pendingLB = lb
        pendingLB["status"] = [:]
        #expect(cell(table(ResourceCatalog.services, [pendingLB]), "External-IP") == "<pending>")
        #expect(cell(table(ResourceCatalog.services, [pendingLB]), "Selector") == "<none>")
    }

    @Test("events show last seen, type, reason, kind/name, message; count defaults to 1")
    func events() {
        let ev: JSON = [
            "metadata": ["name": "web-0.17f", "creationTimestamp": ago(30)],
            "involvedObject": ["kind": "Pod", "name": "web-0", "fieldPath": "spec.containers{app}"],
            "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container\n",
            "source": ["component": "kubelet", "host": "lab-1"], "firstTimestamp": ago(600), "lastTimestamp": ago(30), "count": 7,
        ]
        let t = table(ResourceCatalog.events, [ev])
        #expect(columns(t) == ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"])
        #expect(cells(t) == ["30s", "Warning", "BackOff", "pod/web-0", "spec.containers{app}", "kubelet, lab-1", "Back-off restarting failed container", "10m", 7, "web-0.17f"])
        let fresh: JSON = ["metadata": ["name": "e"], "involvedObject": ["kind": "Node", "name": "lab-1"], "type": "Normal", "reason": "Starting", "message": "", "eventTime": ago(5), "reportingComponent": "kubelet"]
        #expect(cells(table(ResourceCatalog.events, [fresh])) == ["5s", "Normal", "Starting", "node/lab-1", "", "kubelet", "", "5s", 1, "e"])
    }

    @Test("GitRepository and Kustomization print their CRD columns from the Ready condition")
    func flux() {
        let repo: JSON = [
            "metadata": ["name": "flux-system", "creationTimestamp": ago(86400 * 2 + 3600 * 5)],
            "spec": ["url": "ssh://git@github.com/me/homelab"],
            "status": ["conditions": [["type": "Reconciling", "status": "False"], ["type": "Ready", "status": "True", "message": "stored artifact for revision 'main@sha1:abc'"]]],
        ]
        let t = table(ResourceCatalog.gitRepositories, [repo])
        #expect(columns(t) == ["Name", "URL", "Age", "Ready", "Status"])
        #expect(cells(t) == ["flux-system", "ssh://git@github.com/me/homelab", "2d5h", "True", "stored artifact for revision 'main@sha1:abc'"])
        #expect(t["columnDefinitions"].arrayValue?[2]["type"] == "date")
        #expect(t["columnDefinitions"].arrayValue?[1]["description"] == "Custom resource definition column (in JSONPath format): .spec.url")

        let ks: JSON = ["metadata": ["name": "apps", "creationTimestamp": ago(45)]]
        let k = table(ResourceCatalog.kustomizations, [ks])
        #expect(columns(k) == ["Name", "Age", "Ready", "Status"])
        #expect(cells(k) == ["apps", "45s", nil, nil])
    }

    @Test("kinds without a printer get Name and Age")
    func defaultKind() {
        let kind = ResourceKind(group: "example.com", version: "v1", kind: "Widget", resource: "widgets", namespaced: true)
        let t = table(kind, [["metadata": ["name": "w", "creationTimestamp": ago(3)]]])
        #expect(columns(t) == ["Name", "Age"])
        #expect(cells(t) == ["w", "3s"])
    }

    @Test("a missing creation time prints <unknown>; an empty list prints no rows")
    func edges() {
        #expect(cell(table(ResourceCatalog.namespaces, [["metadata": ["name": "x"]]]), "Age") == "<unknown>")
        #expect(table(ResourceCatalog.pods, [])["rows"] == [])
        // 1_750_000_000 is 2025-06-15T15:06:40Z; MicroTime-style fractions parse too.
        let fractional: JSON = ["metadata": ["name": "f", "creationTimestamp": "2025-06-15T15:05:34.500000Z"]]
        #expect(cell(table(ResourceCatalog.namespaces, [fractional]), "Age") == "65s")
    }
}

@Suite("Human durations")
struct HumanDurationTests {
    static let shortCases: [(TimeInterval, String)] = [
        (0.0, "0s"), (0.9, "0s"), (5, "5s"), (59, "59s"), (119, "119s"), (120, "2m"), (192, "3m12s"), (599, "9m59s"),
    ]
    static let mediumCases: [(TimeInterval, String)] = [
        (600.0, "10m"), (10799, "179m"), (10800, "3h"), (3 * 3600 + 25 * 60, "3h25m"), (8 * 3600, "8h"), (47 * 3600 + 59 * 60, "47h"),
    ]
    static let longCases: [(TimeInterval, String)] = [
        (48 * 3600.0, "2d"), (53 * 3600, "2d5h"), (8 * 86400 - 1, "7d23h"), (8 * 86400, "8d"), (45 * 86400, "45d"),
        (729 * 86400, "729d"), (730 * 86400, "2y"), (800 * 86400, "2y70d"), (3 * 365 * 86400, "3y"), (8 * 365 * 86400, "8y"),
        (9 * 365 * 86400 + 86400 * 10, "9y"),
    ]

    @Test("seconds up to two minutes, then minutes and seconds up to ten minutes", arguments: shortCases)
    func short(seconds: TimeInterval, expected: String) {
        #expect(TableConverter.humanDuration(seconds) == expected)
    }

    @Test("minutes up to three hours, hours and minutes up to eight hours, hours up to two days", arguments: mediumCases)
    func medium(seconds: TimeInterval, expected: String) {
        #expect(TableConverter.humanDuration(seconds) == expected)
    }

    @Test("days and hours up to eight days, days up to two years, years after", arguments: longCases)
    func long(seconds: TimeInterval, expected: String) {
        #expect(TableConverter.humanDuration(seconds) == expected)
    }

    @Test("slight clock skew reads as 0s; more is <invalid>")
    func negative() {
        #expect(TableConverter.humanDuration(-1.5) == "0s")
        #expect(TableConverter.humanDuration(-2) == "<invalid>")
    }
}
