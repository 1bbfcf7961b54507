import FerryJSON
import FerryKube
import Foundation

/// The manifest edits the target node needs, each with the reason.
struct ChangeFinding: Sendable {
    var changes: [MigrationPlan.ManifestChange] = []
    var itemNotes: [String] = []
    var sectionNotes: [String] = []
    /// Without GitOps: the same edits, made to the live objects.
    var liveChanges: [MigrationPlan.LiveChange] = []
    var liveNotes: [String] = []
}

extension PlanDiscovery {
    /// What in the workload's manifest the target node cannot satisfy: the hostname
    /// pin, a RuntimeClass whose handler the target lacks, device-plugin resources
    /// it does not have, and an NVIDIA hardware-acceleration preset in a ConfigMap.
    /// Read from the files in Git when Flux manages the workload (those are what get
    /// edited), else from the live objects, which ferry then edits itself.
    func manifestChanges(
        workload: WorkloadFacts, gitops: GitOpsFinding?, source: Node, target: Node, targetEndpoint: MigrationPlan.Endpoint,
        followingDevices: Set<String> = [], followingRuntimeClasses: Set<String> = []
    ) async throws -> ChangeFinding {
        let template = gitops?.workload?.json["spec"]["template"] ?? workload.podTemplate
        typealias Need = (document: GitManifest?, path: [String], edit: MigrationPlan.ManifestChange.Edit, basis: String, values: HelmValues.Need)
        var needed: [Need] = []
        var finding = ChangeFinding()
        let base = ["spec", "template", "spec"]

        if let pinned = template["spec"]["nodeSelector"]["kubernetes.io/hostname"].stringValue, pinned != target.hostnameLabel {
            needed.append((gitops?.workload, base + ["nodeSelector", "kubernetes.io/hostname"], .set(target.hostnameLabel),
                           "the nodeSelector pins it to kubernetes.io/hostname=\(pinned); \(target.name) is kubernetes.io/hostname=\(target.hostnameLabel).",
                           .value(old: pinned, new: target.hostnameLabel)))
        }
        let affinity = template["spec"]["affinity"]["nodeAffinity"].serialized
        if affinity.contains("\"kubernetes.io/hostname\"") {
            finding.sectionNotes.append(
                "WARNING: the node affinity names kubernetes.io/hostname; ferry does not edit affinity: change it to \(target.hostnameLabel) in the manifest yourself.")
        }

        if let runtimeClass = template["spec"]["runtimeClassName"].stringValue, !followingRuntimeClasses.contains(runtimeClass) {
            if let problem = try await runtimeClassProblem(runtimeClass, target: target) {
                needed.append((gitops?.workload, base + ["runtimeClassName"], .remove, "\(runtimeClass): \(problem)",
                               .key("runtimeClassName", value: runtimeClass)))
            } else if target.json["status"]["runtimeHandlers"].isNull {
                finding.sectionNotes.append(
                    "WARNING: \(target.name) does not report its runtime handlers (status.runtimeHandlers, Kubernetes 1.30 and later): "
                        + "check that it can run RuntimeClass \(runtimeClass), or remove runtimeClassName from the manifest.")
            }
        }

        let allocatable = target.allocatable
        for container in template["spec"]["containers"].arrayValue ?? [] {
            guard let name = container["name"].stringValue else { continue }
            for section in ["limits", "requests"] {
                // A device plugin's resource for a moved device comes to the target with it.
                for key in (container["resources"][section].objectValue ?? [:]).keys.sorted()
                where ExtendedResource.isExtended(key) && !followingDevices.contains(key) {
                    let available = allocatable[key].map { $0 != "0" } ?? false
                    guard !available else { continue }
                    needed.append((gitops?.workload, base + ["containers", "name=\(name)", "resources", section, key], .remove,
                                   "\(target.name) has no \(key) (not in its allocatable resources).", .key(key, value: nil)))
                }
            }
        }

        // A GPU the plan passes to the target brings its resource along.
        let canRunNVIDIA = (allocatable["nvidia.com/gpu"].map { $0 != "0" } ?? false) || followingDevices.contains("nvidia.com/gpu")
        let configMaps = try await configMapDocuments(workload: workload, template: template, gitops: gitops)
        var presets: [(GitManifest, String, String)] = []
        for document in configMaps where !canRunNVIDIA {
            let data = (document.json["data"].objectValue ?? [:]).compactMapValues(\.stringValue)
            for key in data.keys.sorted() {
                for preset in Self.nvidiaPresets(in: data[key]!) { presets.append((document, key, preset)) }
            }
        }
        if !presets.isEmpty {
            let dri = await lookForDRI(targetEndpoint)
            for (document, key, preset) in presets {
                let lacks = "\(preset) needs an NVIDIA GPU, which \(target.name) lacks"
                if dri.present == true {
                    needed.append((document, ["data", key], .replace(from: preset, to: "preset-vaapi"),
                                   "\(lacks); \(dri.basis), so VA-API (preset-vaapi).", .text(from: preset, to: "preset-vaapi")))
                } else {
                    finding.sectionNotes.append(
                        "WARNING: \(lacks), and \(dri.basis): edit \(key) to drop \(preset) (software decoding) or pick a preset the target can run.")
                }
            }
        }

        let own = MigrationPlan.LiveObject(kind: workload.kind == .statefulSet ? .statefulSet : .deployment, name: workload.name)
        if let helm = gitops?.helm {
            for item in needed { express(item.basis, item.values, in: helm, finding: &finding) }
            needed = []
        }
        for item in needed {
            if let document = item.document, gitops != nil {
                finding.changes.append(MigrationPlan.ManifestChange(file: document.file, document: document.selector, path: item.path, edit: item.edit))
                finding.itemNotes.append(item.basis)
            } else {
                let object = item.document.map { MigrationPlan.LiveObject(kind: .configMap, name: $0.name) } ?? own
                finding.liveChanges.append(MigrationPlan.LiveChange(object: object, path: item.path, edit: item.edit))
                finding.liveNotes.append(item.basis)
            }
        }
        if gitops == nil, workload.labels[FluxObjectChecks.helmName] != nil, let release = FluxObjectChecks.helmRelease(of: workload.object) {
            finding.sectionNotes.append(
                "WARNING: Flux HelmRelease \(release) renders \(workload.kubectlName), and no Kustomization applies the HelmRelease from Git: "
                    + "ferry edits the live objects, which helm-controller puts back at its next upgrade (at once with drift detection). "
                    + "Suspend it for the move (flux suspend helmrelease \(release.name) -n \(release.namespace)) and change its values too.")
        } else if gitops == nil, workload.labels["app.kubernetes.io/managed-by"] == "Helm" {
            finding.sectionNotes.append(
                "WARNING: Helm manages \(workload.kubectlName): ferry edits the live objects, and the next helm upgrade puts back what the chart's values say: change them too.")
        }
        if needed.isEmpty && finding.sectionNotes.isEmpty && finding.changes.isEmpty {
            finding.sectionNotes.append("nothing in the manifests ties the workload to \(source.name) or needs what \(target.name) lacks.")
        }
        return finding
    }

    /// The edits to the release's values that make the rendered workload what the
    /// target needs; where no value holds it, a warning that says what to add (the
    /// chart is not edited, and `ferry check` refuses a node pin left in place).
    private func express(_ basis: String, _ need: HelmValues.Need, in helm: HelmValues, finding: inout ChangeFinding) {
        let changes = helm.changes(for: need)
        guard changes.isEmpty else {
            for change in changes {
                finding.changes.append(change)
                finding.itemNotes.append("\(basis) The release's values hold it: \(change.file).")
            }
            return
        }
        let searched = helm.sources.map(\.description).joined(separator: ", ")
        let add: String
        switch need {
        case .value(_, let new):
            add = "add the value the chart reads for its node selector (commonly nodeSelector: {kubernetes.io/hostname: \(new)}) to spec.values"
        case .key(let key, _):
            add = "set the value the chart reads for \(key) so that it renders none (commonly \(key): null in spec.values)"
        case .text(let from, let to):
            add = "change \(from) to \(to) where the chart takes it from"
        }
        finding.sectionNotes.append(
            "WARNING: \(basis) No value of HelmRelease \(helm.release) holds it (searched \(searched)); it comes from the chart, "
                + "which ferry does not edit: \(add), commit, and run ferry plan again.")
    }

    /// Why the target cannot run pods of this RuntimeClass, or nil when it can or
    /// cannot tell (a node that does not report its handlers).
    private func runtimeClassProblem(_ name: String, target: Node) async throws -> String? {
        guard let object = try await reading("RuntimeClass \(name)", { try await kube.find(.runtimeClasses, name) }) else {
            return "RuntimeClass \(name) does not exist, so no node can run the pod."
        }
        let runtimeClass = RuntimeClass(json: object)
        let scheduling = (object["scheduling"]["nodeSelector"].objectValue ?? [:]).compactMapValues(\.stringValue)
        for key in scheduling.keys.sorted() where target.labels[key] != scheduling[key] {
            return "RuntimeClass \(name) schedules only onto nodes labelled \(key)=\(scheduling[key]!), which \(target.name) is not."
        }
        guard !target.json["status"]["runtimeHandlers"].isNull else { return nil }
        let handlers = target.runtimeHandlers
        guard !handlers.contains(runtimeClass.handler) else { return nil }
        let listed = handlers.isEmpty ? "none" : handlers.joined(separator: ", ")
        return "\(target.name) has no runtime handler \(runtimeClass.handler) (its status.runtimeHandlers: \(listed))."
    }

    /// The ConfigMaps the pod template references: from Git when there is GitOps, else live.
    private func configMapDocuments(workload: WorkloadFacts, template: JSON, gitops: GitOpsFinding?) async throws -> [GitManifest] {
        // A chart renders its ConfigMaps from values: the live ones say what it rendered.
        if let gitops, gitops.helm == nil { return gitops.configMaps }
        var documents: [GitManifest] = []
        for (name, _) in ManifestScan.configMapReferences(template: template) {
            if let object = try await reading("ConfigMap \(workload.namespace)/\(name)", {
                try await kube.find(.configMaps, name, namespace: workload.namespace)
            }) {
                documents.append(GitManifest(file: "", documentsInFile: 1, json: object))
            }
        }
        return documents
    }

    /// Frigate's (and go2rtc's) NVIDIA ffmpeg presets: `preset-nvidia-h264`, `preset-nvidia-h265`, `preset-nvidia`.
    static func nvidiaPresets(in text: String) -> [String] {
        var found: [String] = []
        for match in text.matches(of: /preset-nvidia[a-z0-9-]*/) where !found.contains(String(match.output)) {
            found.append(String(match.output))
        }
        return found
    }

    /// Whether the target VM has `/dev/dri`, asked inside it (SSH, else the guest agent).
    private func lookForDRI(_ endpoint: MigrationPlan.Endpoint) async -> (present: Bool?, basis: String) {
        let shell = connections.vmShell(for: endpoint, commandTimeout: .seconds(30))
        do {
            let (output, method) = try await shell.run(["ls", "/dev/dri"])
            let how = method == .ssh ? "over SSH" : "through the guest agent"
            let entries = output.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: ", ")
            if output.succeeded, !entries.isEmpty {
                return (true, "VM \(endpoint.vmid) has /dev/dri (\(entries): `ls /dev/dri` \(how))")
            }
            return (false, "VM \(endpoint.vmid) has no /dev/dri (`ls /dev/dri` \(how))")
        } catch {
            return (nil, "ferry could not look for /dev/dri in VM \(endpoint.vmid) (\(error))")
        }
    }

    private static func describe(_ edit: MigrationPlan.ManifestChange.Edit) -> String {
        switch edit {
        case .set(let value): "set \(value)"
        case .remove: "remove"
        case .replace(let from, let to): "replace \(from) with \(to)"
        }
    }
}
