import FerryJSON
import FerryKube
import Foundation

extension VolumeMove {
    /// The source side: the workload's claim, where its PV says it lives.
    func sourceSide(_ pv: PersistentVolume) async throws -> RsyncCopy.Side {
        var hostname = pv.boundHostnames.first
        if hostname == nil { hostname = try await node(plan.source.node).hostnameLabel }
        return RsyncCopy.Side(claim: claim, node: plan.source.node, hostname: hostname ?? plan.source.node)
    }

    /// The target side: the temporary claim, provisioned on the target node by the
    /// first helper pod that mounts it.
    func targetSide() async throws -> RsyncCopy.Side {
        RsyncCopy.Side(claim: targetClaim, node: plan.target.node, hostname: try await node(plan.target.node).hostnameLabel)
    }

    /// Creates the claim the copy goes to, shaped like the original (class, size,
    /// access and volume mode), unless it exists.
    func ensureTargetClaim(like original: PersistentVolumeClaim) async throws {
        if try await claimObject(targetClaim) != nil { return }
        var spec: [String: JSON] = [
            "accessModes": original.json["spec"]["accessModes"],
            "resources": ["requests": ["storage": original.json["spec"]["resources"]["requests"]["storage"]]],
        ]
        for key in ["storageClassName", "volumeMode"] where original.json["spec"][key] != .null { spec[key] = original.json["spec"][key] }
        let object: JSON = [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": [
                "name": .string(targetClaim), "namespace": .string(namespace), "labels": .object(labels.mapValues(JSON.string)),
                "annotations": ["ferry.dev/purpose": .string("ferry migration \(plan.name): the copy of \(claim) on \(plan.target.node)")],
            ],
            "spec": .object(spec),
        ]
        try await createUnlessExists(.persistentVolumeClaims, object)
    }

    /// Throws, naming the first paths that differ, unless both sides listed the same.
    func expectSame(_ comparison: VolumeComparison?, _ source: RsyncCopy.Side, _ target: RsyncCopy.Side) throws {
        guard let comparison else {
            throw StepFailure("\(claim) was copied but not checked", fix: "`ferry resume` checks again; nothing was switched")
        }
        guard !comparison.equal else { return }
        let paths = comparison.paths()
        let which = paths.isEmpty ? "" : ": " + paths.joined(separator: ", ")
        throw StepFailure(
            "the copy of \(claim) on \(target.node) differs from the original on \(source.node)\(which)"
                + " (\(comparison.source.count) entries on the source, \(comparison.target.count) on the target); the original is untouched and still bound",
            fix: "`ferry resume` copies again comparing contents and checks again")
    }

    /// Points `pv` at `claimName` (not yet created) so the binder gives it to that
    /// claim and no other: the `claimRef` without a uid that Kubernetes documents
    /// for reserving a volume.
    func reserve(_ pv: String, for claimName: String) async throws {
        try await kube.patch(.persistentVolumes, pv, [
            "spec": ["claimRef": [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": .string(namespace), "name": .string(claimName),
                "uid": .null, "resourceVersion": .null,
            ]],
        ])
    }

    func setPolicy(_ pv: String, _ policy: String) async throws {
        try await kube.patch(.persistentVolumes, pv, ["spec": ["persistentVolumeReclaimPolicy": .string(policy)]])
    }

    /// A claim like `original` (its labels, annotations and spec) bound to `volume`
    /// by name. Annotations the binder and scheduler wrote about the old binding go.
    func claim(named name: String, like original: JSON, volume: String) -> JSON {
        var metadata: [String: JSON] = ["name": .string(name), "namespace": .string(namespace)]
        if let labels = original["metadata"]["labels"].objectValue { metadata["labels"] = .object(labels) }
        var annotations = original["metadata"]["annotations"].objectValue ?? [:]
        for key in Self.bindingAnnotations { annotations.removeValue(forKey: key) }
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        var spec = original["spec"]
        spec["volumeName"] = .string(volume)
        spec.removeValue(forKey: "selector")
        spec.removeValue(forKey: "dataSource")
        spec.removeValue(forKey: "dataSourceRef")
        return ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": .object(metadata), "spec": spec]
    }

    static let bindingAnnotations = [
        "pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller", "volume.kubernetes.io/selected-node",
        "volume.kubernetes.io/storage-provisioner", "volume.beta.kubernetes.io/storage-provisioner",
    ]

    /// Creates `object` (a claim naming its volume) unless a claim of that name exists,
    /// and waits until it is Bound to that volume.
    func bind(_ object: JSON, context: StepContext) async throws {
        let name = object["metadata"]["name"].stringValue ?? ""
        let volume = object["spec"]["volumeName"].stringValue ?? ""
        if try await claimObject(name) == nil {
            try await createUnlessExists(.persistentVolumeClaims, object)
        }
        context.waiting("PVC \(namespace)/\(name) to bind to PV \(volume)")
        let failure = StepFailure(
            "PVC \(namespace)/\(name) did not bind to PV \(volume)",
            fix: "kubectl describe pv \(volume); kubectl -n \(namespace) describe pvc \(name); then `ferry resume` (or `ferry rollback`)")
        let kube = self.kube
        let namespace = self.namespace
        let timeout = plan.timeouts.podReady.duration
        _ = try await self.timeout(failure) {
            try await kube.waitFor(.persistentVolumeClaims, name, namespace: namespace, timeout: timeout, waitingFor: "PVC \(name) to bind to \(volume)") {
                $0?["status"]["phase"].stringValue == "Bound" && $0?["spec"]["volumeName"].stringValue == volume
            }
        }
    }

    /// Deletes a claim and waits until it is gone (its protection finalizer waits
    /// for the pods that use it).
    func deleteClaim(_ name: String) async throws {
        guard try await kube.delete(.persistentVolumeClaims, name, namespace: namespace) else { return }
        let failure = StepFailure(
            "PVC \(namespace)/\(name) is still there: a pod still uses it (kubernetes.io/pvc-protection)",
            fix: "kubectl -n \(namespace) get pods -o wide; stop what mounts \(name), then `ferry resume`")
        let kube = self.kube
        let namespace = self.namespace
        let timeout = plan.timeouts.podReady.duration
        _ = try await self.timeout(failure) {
            try await kube.waitFor(.persistentVolumeClaims, name, namespace: namespace, timeout: timeout, waitingFor: "PVC \(name) to be deleted") { $0 == nil }
        }
    }

    /// Scales the workload to zero and waits until its pods are gone (Terminating ones
    /// too), so its claim can be deleted. The scale-down step's undo gives the replicas back.
    ///
    /// Decided by `spec.replicas`, not by the pods seen: right after Flux applied a
    /// change, a Recreate Deployment may have no pod at all for a moment and create one
    /// an instant later, which would then hold the claim.
    func stopWorkload(context: StepContext) async throws {
        let workload = environment.workload
        let object = try await kube.get(environment.workloadType, workload.name, namespace: workload.namespace)
        if object["spec"]["replicas"].intValue ?? 1 != 0 {
            try await kube.scale(environment.workloadType, workload.name, namespace: workload.namespace, replicas: 0)
        }
        let selector = try await environment.podSelector()
        guard try await !kube.list(.pods, namespace: workload.namespace, labelSelector: selector).items.isEmpty else { return }
        context.waiting("the pods of \(workload.name) to stop")
        _ = try await kube.waitUntil(
            .pods, namespace: workload.namespace, labelSelector: selector, timeout: plan.timeouts.podReady.duration,
            waitingFor: "the pods of \(workload.name) to terminate") { $0.isEmpty ? true : nil }
    }
}
