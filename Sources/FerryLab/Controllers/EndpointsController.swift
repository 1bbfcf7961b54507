import FerryJSON
import Foundation

/// The endpoints and endpointslice controllers: for every Service with a selector,
/// an `Endpoints` of the same name and `EndpointSlice`s labelled with its name list
/// the pods the selector matches that have an IP, ready ones as addresses and the
/// others as not ready, with the Service's ports resolved against each pod
/// (`targetPort` by number, or by the name of a container port). The service proxy
/// and anything that reads endpoints see which pods serve a Service right now.
struct EndpointsController: Controller {
    let store: ObjectStore
    let admission: Admission

    init(store: ObjectStore) {
        self.store = store
        self.admission = Admission(store: store)
    }

    static let managedBy = "endpointslice-controller.k8s.io"

    /// The Service's labels, which Endpoints and slices carry as on a real cluster,
    /// except Flux's ownership labels: the lab's Flux prunes what carries them and is
    /// not in Git (a real one goes by its inventory), so it would delete them.
    static func inheritedLabels(_ service: JSON) -> JSON {
        var labels = JSON.emptyObject
        for (key, value) in service["metadata"]["labels"].objectValue ?? [:] where !key.hasPrefix("kustomize.toolkit.fluxcd.io/") {
            labels[key] = value
        }
        return labels
    }

    func reconcile() async {
        let services = await store.list(ResourceCatalog.services)
        let pods = await store.list(ResourceCatalog.pods)
        let serviceKeys = Set(services.map { "\($0.namespace)/\($0.name)" })
        for service in services where !service.isDeleting {
            guard let selector = service["spec"]["selector"].objectValue, !selector.isEmpty else { continue }
            let selected = pods.filter { pod in
                pod.namespace == service.namespace && !ObjectStore.isTerminated(pod) && !pod.isDeleting
                    && pod["status"]["podIP"].stringValue != nil
                    && selector.allSatisfy { pod.labels[$0.key] == $0.value.stringValue }
            }
            let groups = Self.groups(service, pods: selected)
            await writeEndpoints(service, groups: groups)
            await writeSlices(service, groups: groups)
        }
        // Endpoints and slices of a Service that is gone go with it.
        for endpoints in await store.list(ResourceCatalog.endpoints) where !serviceKeys.contains("\(endpoints.namespace)/\(endpoints.name)") {
            _ = try? await store.delete(ObjectKey(ResourceCatalog.endpoints, namespace: endpoints.namespace, name: endpoints.name))
        }
        for slice in await store.list(ResourceCatalog.endpointSlices) where slice.labels["endpointslice.kubernetes.io/managed-by"] == Self.managedBy {
            guard let owner = slice.labels["kubernetes.io/service-name"], !serviceKeys.contains("\(slice.namespace)/\(owner)") else { continue }
            _ = try? await store.delete(ObjectKey(ResourceCatalog.endpointSlices, namespace: slice.namespace, name: slice.name))
        }
    }

    /// Pods that expose the same ports, with those ports: one Endpoints subset, one slice.
    struct Group: Equatable {
        var ports: [JSON]
        var pods: [JSON]
    }

    static func groups(_ service: JSON, pods: [JSON]) -> [Group] {
        var groups: [Group] = []
        for pod in pods.sorted(by: { ($0["status"]["podIP"].stringValue ?? "") < ($1["status"]["podIP"].stringValue ?? "") }) {
            let ports = (service["spec"]["ports"].arrayValue ?? []).compactMap { port -> JSON? in
                guard let number = targetPort(port, of: pod) else { return nil }
                var entry: JSON = ["port": .int(number), "protocol": .string(port["protocol"].stringValue ?? "TCP")]
                if let name = port["name"].stringValue, !name.isEmpty { entry["name"] = .string(name) }
                return entry
            }
            guard !ports.isEmpty else { continue }
            if let index = groups.firstIndex(where: { $0.ports == ports }) {
                groups[index].pods.append(pod)
            } else {
                groups.append(Group(ports: ports, pods: [pod]))
            }
        }
        return groups
    }

    /// `targetPort` (defaulting to `port`) as a number, or the container port of
    /// that name; nil when the pod has no port of that name.
    static func targetPort(_ port: JSON, of pod: JSON) -> Int64? {
        let target = port["targetPort"]
        if let number = target.intValue { return number }
        if let text = target.stringValue {
            if let number = Int64(text) { return number }
            for container in pod["spec"]["containers"].arrayValue ?? [] {
                for declared in container["ports"].arrayValue ?? [] where declared["name"].stringValue == text {
                    return declared["containerPort"].intValue
                }
            }
            return nil
        }
        return port["port"].intValue
    }

    static func address(_ pod: JSON) -> JSON {
        [
            "ip": pod["status"]["podIP"], "nodeName": pod["spec"]["nodeName"],
            "targetRef": [
                "kind": "Pod", "namespace": .string(pod.namespace), "name": .string(pod.name), "uid": .string(pod.uid),
            ],
        ]
    }

    private func writeEndpoints(_ service: JSON, groups: [Group]) async {
        let subsets: [JSON] = groups.map { group in
            var subset: JSON = ["ports": .array(group.ports)]
            let ready = group.pods.filter(\.isReady).map(Self.address)
            let notReady = group.pods.filter { !$0.isReady }.map(Self.address)
            if !ready.isEmpty { subset["addresses"] = .array(ready) }
            if !notReady.isEmpty { subset["notReadyAddresses"] = .array(notReady) }
            return subset
        }
        let key = ObjectKey(ResourceCatalog.endpoints, namespace: service.namespace, name: service.name)
        if await store.find(key) == nil {
            var endpoints: JSON = [
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": ["name": .string(service.name), "namespace": .string(service.namespace)],
            ]
            let labels = Self.inheritedLabels(service)
            if labels != .emptyObject { endpoints[path: ["metadata", "labels"]] = labels }
            if !subsets.isEmpty { endpoints["subsets"] = .array(subsets) }
            if let admitted = try? await admission.create(endpoints, kind: ResourceCatalog.endpoints, namespace: service.namespace) {
                _ = try? await store.create(admitted, kind: ResourceCatalog.endpoints)
            }
            return
        }
        await store.modify(key) { endpoints in
            if subsets.isEmpty { endpoints.removeValue(forKey: "subsets") } else { endpoints["subsets"] = .array(subsets) }
        }
    }

    private func writeSlices(_ service: JSON, groups: [Group]) async {
        let existing = await store.list(ResourceCatalog.endpointSlices, namespace: service.namespace).filter {
            $0.labels["kubernetes.io/service-name"] == service.name && $0.labels["endpointslice.kubernetes.io/managed-by"] == Self.managedBy
        }
        var unused = existing
        // A Service without ready or unready pods keeps one empty slice, as the real controller does.
        let wanted = groups.isEmpty ? [Group(ports: [], pods: [])] : groups
        for group in wanted {
            let endpoints: [JSON] = group.pods.map { pod in
                var endpoint: JSON = [
                    "addresses": [pod["status"]["podIP"]],
                    "conditions": ["ready": .bool(pod.isReady), "serving": .bool(pod.isReady), "terminating": false],
                    "targetRef": Self.address(pod)["targetRef"],
                ]
                if let node = pod["spec"]["nodeName"].stringValue { endpoint["nodeName"] = .string(node) }
                return endpoint
            }
            if let index = unused.firstIndex(where: { ($0["ports"].arrayValue ?? []) == group.ports }) {
                let slice = unused.remove(at: index)
                await store.modify(ObjectKey(ResourceCatalog.endpointSlices, namespace: slice.namespace, name: slice.name)) {
                    $0["endpoints"] = .array(endpoints)
                }
                continue
            }
            var labels = Self.inheritedLabels(service)
            labels["kubernetes.io/service-name"] = .string(service.name)
            labels["endpointslice.kubernetes.io/managed-by"] = .string(Self.managedBy)
            let slice: JSON = [
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": [
                    "generateName": .string(service.name + "-"), "namespace": .string(service.namespace), "labels": labels,
                    "ownerReferences": [service.ownerReference(ResourceCatalog.services)],
                ],
                "addressType": "IPv4", "endpoints": .array(endpoints), "ports": .array(group.ports),
            ]
            if let admitted = try? await admission.create(slice, kind: ResourceCatalog.endpointSlices, namespace: service.namespace) {
                _ = try? await store.create(admitted, kind: ResourceCatalog.endpointSlices)
            }
        }
        for slice in unused {
            _ = try? await store.delete(ObjectKey(ResourceCatalog.endpointSlices, namespace: slice.namespace, name: slice.name))
        }
    }
}
