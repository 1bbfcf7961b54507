import FerryGitOps
import FerryJSON
import FerryKube
import Foundation

extension PlanDiscovery {
    /// The HelmRelease that renders the workload, the Kustomization that applies it
    /// from Git, and the values in Git it renders from: `spec.values` in its file,
    /// and each `valuesFrom` ConfigMap defined under the Kustomization's path. Nil, with
    /// a note, when no Kustomization applies the HelmRelease: then nothing in Git
    /// reaches it.
    func helmGitOps(
        of workload: WorkloadFacts, release ref: MigrationPlan.ObjectRef, request: PlanRequest, notes: inout PlanNotes
    ) async throws -> GitOpsFinding? {
        let what = "\(workload.kind.rawValue) \(workload.reference)"
        guard let release = try await reading("Flux HelmRelease \(ref)", {
            try await kube.find(.helmReleases, ref.name, namespace: ref.namespace)
        }) else {
            guard workload.labels[FluxObjectChecks.helmName] != nil else {
                // Helm's annotations alone: a release `helm install` made, which Flux does not manage.
                notes.add(
                    "\(what) belongs to Helm release \(ref) (meta.helm.sh annotations), and no Flux HelmRelease of that name exists: "
                        + "Flux does not manage it, so ferry edits no manifests.", at: .section("gitops"))
                return nil
            }
            throw DiscoveryError(
                .gitops,
                "\(what) is labelled as rendered by Flux HelmRelease \(ref), which does not exist: check `flux get helmreleases -A`; "
                    + "if Flux no longer manages it, remove the helm.toolkit.fluxcd.io labels")
        }
        guard let kustomizationRef = FluxObjectChecks.kustomization(of: release) else {
            notes.add(
                "\(what) is rendered by Flux HelmRelease \(ref), which carries no kustomize.toolkit.fluxcd.io/name label: "
                    + "no Kustomization applies it from Git, so ferry edits no values.", at: .section("gitops"))
            return nil
        }
        // `spec.chart` names a chart in a source; `spec.chartRef` (Flux 2.3) an OCIRepository or HelmChart.
        let chart = release["spec"]["chart"]["spec"]
        let chartRef = release["spec"]["chartRef"]
        let from = chart["chart"].stringValue.map { name in
            "chart \(name) (\(chart["sourceRef"]["kind"].stringValue ?? "source") \(chart["sourceRef"]["name"].stringValue ?? "?"))"
        } ?? "\(chartRef["kind"].stringValue ?? "chart") \(chartRef["name"].stringValue ?? "?")"
        notes.add(
            "\(what) is rendered by Flux HelmRelease \(ref) (its Helm labels say so) from \(from). "
                + "ferry edits the release's values in Git, never the chart.",
            at: .section("gitops"))
        let source = try await fluxSource(kustomizationRef, applying: "HelmRelease \(ref)", request: request, notes: &notes)
        notes.add(
            "HelmRelease \(ref) is one app: ferry suspends it for the move (helm-controller then neither upgrades it nor puts back "
                + "what moves), and Kustomization \(kustomizationRef) and every other app keep reconciling.",
            at: .field("gitops", "pause"))

        guard let document = source.scan.documents.first(where: {
            $0.kind == "HelmRelease" && $0.name == ref.name && ($0.namespace ?? ref.namespace) == ref.namespace
        }) else {
            throw DiscoveryError(
                .gitops,
                "no file under \(source.pathDescription) of the clone \(source.clone.path) defines HelmRelease \(ref): "
                    + "is it a clone of \(source.url), and up to date (`git -C \(source.clone.path) pull`)?")
        }
        var fileNotes = ["\(document.file) defines HelmRelease \(ref) and its spec.values."]
        var sources: [HelmValues.Source] = []
        var files = [document.file]
        for entry in document.json["spec"]["valuesFrom"].arrayValue ?? [] {
            let kind = entry["kind"].stringValue ?? "ConfigMap"
            let name = entry["name"].stringValue ?? ""
            let key = entry["valuesKey"].stringValue ?? "values.yaml"
            guard kind == "ConfigMap" else {
                fileNotes.append("WARNING: \(kind) \(name) (valuesFrom) is not read: ferry never reads Secrets. "
                    + "If its \(key) pins the node or asks for hardware the target lacks, edit it yourself.")
                continue
            }
            if let path = entry["targetPath"].stringValue {
                fileNotes.append("WARNING: ConfigMap \(name) (valuesFrom) sets the single value \(path): ferry does not edit it.")
                continue
            }
            guard let configMap = source.scan.documents.first(where: {
                $0.kind == "ConfigMap" && $0.name == name && ($0.namespace ?? ref.namespace) == ref.namespace
            }) else {
                if let generated = try generatedValues(name, key: key, release: ref, in: source, notes: &fileNotes) {
                    sources.append(generated)
                    if !files.contains(generated.document.file) { files.append(generated.document.file) }
                } else {
                    fileNotes.append("WARNING: ConfigMap \(name) (valuesFrom) is defined in no file under \(source.pathDescription): its values are not edited.")
                }
                continue
            }
            guard let text = configMap.json["data"][key].stringValue else {
                fileNotes.append("WARNING: ConfigMap \(name) (valuesFrom, \(configMap.file)) has no data key \(key): helm-controller fails on it.")
                continue
            }
            let values: JSON
            do {
                values = try JSON.parseYAML(text)
            } catch {
                throw DiscoveryError(
                    .gitops, "\(key) of ConfigMap \(name) in \(configMap.file) (values of HelmRelease \(ref)) is not valid YAML: \(error)")
            }
            sources.append(HelmValues.Source(document: configMap, place: .text(key: key, text: text), values: values))
            fileNotes.append("\(configMap.file) defines ConfigMap \(name), whose \(key) holds values of the release (valuesFrom).")
            if !files.contains(configMap.file) { files.append(configMap.file) }
        }
        // spec.values last: Helm merges it over valuesFrom.
        sources.append(HelmValues.Source(document: document, place: .inline(["spec", "values"]), values: document.json["spec"]["values"]))
        fileNotes.forEach { notes.add($0, at: .field("gitops", "files")) }
        notes.add("a Flux HelmRelease renders the workload: ferry edits its values in the files below, suspends it for the move, "
            + "and waits for its upgrade.", at: .field("gitops", "controller"))
        let gitops = MigrationPlan.GitOps(
            repo: source.clone.path, branch: source.branch, kustomization: kustomizationRef, helmRelease: ref,
            gitRepository: source.gitRepository, files: files)
        return GitOpsFinding(
            gitops: gitops, workload: nil, configMaps: [], documents: source.scan.documents, helm: HelmValues(release: ref, sources: sources))
    }

    /// The values file a `configMapGenerator` makes the ConfigMap `name` from, for its
    /// key `key`: the common layout of Flux repositories (`values.yaml=./helm-values.yaml`,
    /// the HelmRelease's reference rewritten to the hashed name by a `configurations`
    /// nameReference). Nil when no generator under the path makes it.
    private func generatedValues(
        _ name: String, key: String, release ref: MigrationPlan.ObjectRef, in source: FluxSource, notes: inout [String]
    ) throws -> HelmValues.Source? {
        guard let generator = source.scan.generatedConfigMaps.first(where: { $0.name == name && ($0.namespace ?? ref.namespace) == ref.namespace }),
            let file = generator.files.first(where: { $0.key == key })?.file
        else { return nil }
        let text: String
        let values: JSON
        do {
            text = try String(contentsOf: try CloneFile.resolve(file, in: source.clone), encoding: .utf8)
            values = try JSON.parseYAML(text)
        } catch {
            throw DiscoveryError(.gitops, "\(file) (the \(key) of ConfigMap \(name), generated by \(generator.kustomization)) cannot be read as YAML: \(error)")
        }
        notes.append("\(file) holds values of the release: \(generator.kustomization) generates ConfigMap \(name) from it (valuesFrom, key \(key)).")
        return HelmValues.Source(
            document: GitManifest(file: file, documentsInFile: 1, json: values), place: .file(configMap: name), values: values)
    }
}