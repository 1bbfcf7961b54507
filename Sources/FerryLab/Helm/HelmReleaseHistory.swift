import FerryJSON
import Foundation

/// `status.history` of a HelmRelease, as helm-controller keeps it: snapshots of the
/// Helm releases, newest first, at most five; a successful release supersedes the one
/// deployed before it, a failed one leaves it deployed.
struct HelmReleaseHistory {
    static let limit = 5

    var snapshots: [JSON]

    init(_ status: JSON) {
        snapshots = status["history"].arrayValue ?? []
    }

    var latest: JSON? { snapshots.first }

    /// The snapshot of the release in service, if any.
    var deployed: JSON? { snapshots.first { $0["status"] == "deployed" } }

    /// The release revision the next release gets: 1, 2, …
    var nextVersion: Int64 { (latest?["version"].intValue ?? 0) + 1 }

    /// What the next release is: an install until one has been deployed.
    var nextAction: HelmReleaseAction {
        snapshots.contains { $0["status"] == "deployed" || $0["status"] == "superseded" } ? .upgrade : .install
    }

    /// Records a release: on success the deployed one becomes superseded.
    mutating func record(_ snapshot: JSON) {
        if snapshot["status"] == "deployed" {
            for index in snapshots.indices where snapshots[index]["status"] == "deployed" {
                snapshots[index]["status"] = "superseded"
            }
        }
        snapshots.insert(snapshot, at: 0)
        snapshots = Array(snapshots.prefix(Self.limit))
    }

    /// A snapshot of release `version` of `plan`, with `status` `deployed` or `failed`.
    func snapshot(of plan: HelmReleasePlan, version: Int64, status: String, now: String) -> JSON {
        [
            "name": .string(plan.releaseName), "namespace": .string(plan.releaseNamespace), "version": .int(version),
            "status": .string(status), "chartName": .string(plan.chart.metadata.name),
            "chartVersion": .string(plan.chart.metadata.version), "appVersion": .string(plan.chart.metadata.appVersion),
            "configDigest": .string(plan.configDigest), "digest": .string(plan.digest),
            "firstDeployed": deployed?["firstDeployed"] ?? .string(now), "lastDeployed": .string(now),
        ]
    }
}

/// Which Helm action a release was.
enum HelmReleaseAction: String {
    case install, upgrade

    /// `Install` or `Upgrade`, for condition reasons such as `InstallSucceeded`.
    var word: String { rawValue.capitalized }
}
