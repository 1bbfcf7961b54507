import Crypto
import FerryJSON
import Foundation

/// Everything one reconcile of a HelmRelease works from: the chart from its
/// GitRepository path, the composed values, the rendered objects, and the digests that
/// decide whether this is a new release.
struct HelmReleasePlan: Sendable {
    /// Why no plan could be made, with the reason the Ready condition gives.
    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var description: String
        /// The chart, when it was read before the failure (for `lastAttemptedRevision`).
        var chart: HelmChart.Metadata?
        var configDigest: String?
    }

    var releaseName: String
    var releaseNamespace: String
    var chart: HelmChart
    /// `sha256:` of the values the HelmRelease gives (valuesFrom, then values), without the chart's defaults.
    var configDigest: String
    var objects: [JSON]
    /// `sha256:` of the chart's files, the config digest and the rendered objects:
    /// unchanged, there is nothing to release.
    var digest: String

    /// Helm's release name: `spec.releaseName`, or `[targetNamespace-]name`.
    static func releaseName(of release: JSON) -> String {
        if let name = release["spec"]["releaseName"].stringValue, !name.isEmpty { return name }
        let target = release["spec"]["targetNamespace"].stringValue ?? ""
        return target.isEmpty ? release.name : "\(target)-\(release.name)"
    }

    /// Where the release's objects without a namespace go: `spec.targetNamespace`, or the HelmRelease's.
    static func releaseNamespace(of release: JSON) -> String {
        let target = release["spec"]["targetNamespace"].stringValue ?? ""
        return target.isEmpty ? release.namespace : target
    }

    /// The GitRepository `spec.chart.spec.sourceRef` names (its namespace defaults to the HelmRelease's).
    static func sourceKey(of release: JSON) -> ObjectKey {
        let reference = release["spec"]["chart"]["spec"]["sourceRef"]
        return ObjectKey(
            ResourceCatalog.gitRepositories, namespace: reference["namespace"].stringValue ?? release.namespace,
            name: reference["name"].stringValue ?? "")
    }

    static func make(for release: JSON, store: ObjectStore, storage: ArtifactStorage) async throws(Failure) -> HelmReleasePlan {
        let chart = try await loadChart(for: release, store: store, storage: storage)
        let overrides: JSON
        do {
            overrides = try await HelmValues(store: store).compose(for: release)
        } catch {
            throw Failure(reason: "ValuesError", description: error.description, chart: chart.metadata)
        }
        let configDigest = HelmValues.digest(overrides)
        let name = releaseName(of: release)
        let namespace = releaseNamespace(of: release)
        let objects: [JSON]
        do {
            objects = try chart.render(values: HelmValues.merge(chart.values, overrides), release: name, namespace: namespace)
        } catch {
            let action = HelmReleaseHistory(release["status"]).nextAction
            throw Failure(
                reason: "\(action.word)Failed",
                description: "Helm \(action.rawValue) failed for release \(namespace)/\(name) with chart "
                    + "\(chart.metadata.name)@\(chart.metadata.version): \(error.description)",
                chart: chart.metadata, configDigest: configDigest)
        }
        let identity: JSON = [
            "chart": .string(chart.digest), "config": .string(configDigest), "name": .string(name),
            "namespace": .string(namespace), "manifest": .array(objects),
        ]
        let digest = "sha256:" + SHA256.hash(data: Data(identity.serialized.utf8)).map { String(format: "%02x", $0) }.joined()
        return HelmReleasePlan(
            releaseName: name, releaseNamespace: namespace, chart: chart, configDigest: configDigest, objects: objects,
            digest: digest)
    }

    /// The chart at `spec.chart.spec.chart` in the GitRepository's artifact. The lab
    /// serves charts from GitRepository paths only: a HelmRepository or OCIRepository
    /// source, or a chart given by name, fails rather than being looked up elsewhere.
    private static func loadChart(for release: JSON, store: ObjectStore, storage: ArtifactStorage) async throws(Failure) -> HelmChart {
        let spec = release["spec"]["chart"]["spec"]
        let key = sourceKey(of: release)
        let kind = spec["sourceRef"]["kind"].stringValue ?? ""
        let path = spec["chart"].stringValue ?? ""
        let only = "the lab serves charts from GitRepository paths only (spec.chart.spec.chart: ./charts/NAME; docs/LAB.md: the helm-controller)"
        guard kind == "GitRepository" else {
            throw Failure(reason: "ArtifactFailed", description: "\(only), not from \(kind)/\(key.namespace)/\(key.name)")
        }
        guard path.hasPrefix("./") || path.hasPrefix("/") || path.contains("/") else {
            throw Failure(reason: "ArtifactFailed", description: "\(only), not the chart name '\(path)'")
        }
        guard let source = await store.find(key) else {
            throw Failure(reason: "ArtifactFailed", description: "GitRepository '\(key.namespace)/\(key.name)' not found")
        }
        guard source["status"]["artifact"]["revision"].stringValue != nil else {
            throw Failure(reason: "ArtifactFailed", description: "GitRepository '\(key.namespace)/\(key.name)' has no artifact yet")
        }
        let tree: URL
        do {
            tree = try await storage.tree(for: source["status"]["artifact"])
        } catch {
            throw Failure(reason: "ArtifactFailed", description: "\(error)")
        }
        let directory = tree.appendingPathComponent(path, isDirectory: true).standardizedFileURL
        let base = tree.standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard directory.path == base || directory.path.hasPrefix(base.hasSuffix("/") ? base : base + "/"),
            FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw Failure(reason: "ArtifactFailed", description: "chart path '\(path)' not found in GitRepository '\(key.namespace)/\(key.name)'")
        }
        do {
            return try HelmChart(directory: directory, path: path)
        } catch {
            throw Failure(reason: "ArtifactFailed", description: error.description)
        }
    }
}
