import FerryJSON
import FerryKube
import Foundation

/// One migration of a workload at a time, cluster-wide: a `coordination.k8s.io/v1`
/// Lease beside the workload, taken before the first change and renewed while ferry
/// works. The journal's file lock only keeps two ferries in one directory apart; two
/// operators (or one, from two directories) each passed pre-flight, and the second
/// took the first's Flux suspension and volume copies for its own.
///
/// A Lease whose holder stopped renewing it for longer than its duration is taken
/// over with a warning; so is one held by a ferry process of this machine that is
/// gone (a `kill -9`, then `ferry resume` at once).
public struct MigrationLease: Sendable {
    public static let duration: Int = 60

    let kube: KubeClient
    let namespace: String
    let name: String
    let holder: Holder

    /// Who holds it, as the Lease records it.
    public struct Holder: Sendable, Equatable {
        public var host: String
        public var pid: Int32
        public var migration: String
        public var plan: String
        public var planDigest: String

        public init(host: String, pid: Int32, migration: String, plan: String, planDigest: String) {
            self.host = host
            self.pid = pid
            self.migration = migration
            self.plan = plan
            self.planDigest = planDigest
        }

        var identity: String { "ferry@\(host)/\(pid)" }
    }

    /// Another ferry holds the workload's Lease.
    public struct Held: Error, CustomStringConvertible {
        public var description: String
    }

    public init(kube: KubeClient, workload: MigrationPlan.Workload, holder: Holder) {
        self.kube = kube
        namespace = workload.namespace
        name = String("ferry-\(workload.name)".prefix(253))
        self.holder = holder
    }

    /// Takes the Lease; returns a warning when it took over a stale one. Throws
    /// `Held` when another ferry holds it.
    public func acquire(now: Date = Date()) async throws -> String? {
        for _ in 0..<3 {
            guard let current = try await kube.find(.leases, name, namespace: namespace) else {
                if try await put(object(now: now, acquired: now), creating: true) { return nil }
                continue
            }
            let other = Self.holder(of: current)
            let renewed = Self.time(current["spec"]["renewTime"]) ?? Self.time(current["spec"]["acquireTime"]) ?? .distantPast
            let seconds = current["spec"]["leaseDurationSeconds"].intValue.map(Int.init) ?? Self.duration
            let expired = renewed.addingTimeInterval(TimeInterval(seconds)) < now
            let gone = other.map { $0.host == holder.host && kill($0.pid, 0) != 0 && errno == ESRCH } ?? true
            guard expired || gone else {
                let since = current["spec"]["acquireTime"].stringValue ?? "?"
                throw Held(description: "migration \(other?.migration ?? "?") of \(namespace)/\(name.dropFirst("ferry-".count)) is in progress: "
                    + "ferry (pid \(other?.pid ?? 0) on \(other?.host ?? "?"), plan \(other?.plan ?? "?")) holds Lease \(namespace)/\(name) "
                    + "since \(since). Wait for it to end, or stop it there; a Lease not renewed for \(seconds)s is taken over.")
            }
            var taken = object(now: now, acquired: now)
            taken["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            guard try await put(taken, creating: false) else { continue }
            guard let other else { return nil }
            let why = expired && !gone ? "not renewed since \(current["spec"]["renewTime"].stringValue ?? "?")" : "that process is gone"
            return "took over Lease \(namespace)/\(name) from ferry (pid \(other.pid) on \(other.host), migration \(other.migration)): \(why)"
        }
        throw Held(description: "Lease \(namespace)/\(name) changed under ferry three times while it tried to take it: another ferry is starting; try again")
    }

    /// Creates or replaces the Lease; false when another ferry got there first.
    private func put(_ lease: JSON, creating: Bool) async throws -> Bool {
        let result: Result<JSON, KubeClientError>
        if creating {
            do { result = .success(try await kube.create(.leases, lease, namespace: namespace)) } catch { result = .failure(error) }
        } else {
            do { result = .success(try await kube.update(.leases, lease)) } catch { result = .failure(error) }
        }
        switch result {
        case .success: return true
        case .failure(let error) where error.isAlreadyExists || error.isConflict: return false
        case .failure(let error): throw error
        }
    }

    /// Keeps the Lease ours while ferry works.
    public func renew(now: Date = Date()) async throws {
        var current = try await kube.get(.leases, name, namespace: namespace)
        guard current["spec"]["holderIdentity"].stringValue == holder.identity else {
            throw Held(description: "Lease \(namespace)/\(name) was taken by \(current["spec"]["holderIdentity"].stringValue ?? "?")")
        }
        current["spec"]["renewTime"] = .string(Self.microTime(now))
        _ = try await kube.update(.leases, current)
    }

    /// Gives the Lease up, if it is still ours.
    public func release() async {
        guard let current = try? await kube.find(.leases, name, namespace: namespace),
              current["spec"]["holderIdentity"].stringValue == holder.identity
        else { return }
        _ = try? await kube.delete(.leases, name, namespace: namespace, preconditionUID: current["metadata"]["uid"].stringValue)
    }

    private func object(now: Date, acquired: Date) -> JSON {
        [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace),
                "labels": [VolumeMove.migrationLabel: .string(VolumeMove.labelValue(holder.migration)), VolumeMove.roleLabel: "lease"],
                "annotations": [
                    "ferry.dev/host": .string(holder.host), "ferry.dev/pid": .string(String(holder.pid)),
                    "ferry.dev/migration": .string(holder.migration), "ferry.dev/plan": .string(holder.plan),
                    "ferry.dev/plan-digest": .string(holder.planDigest),
                ],
            ],
            "spec": [
                "holderIdentity": .string(holder.identity), "leaseDurationSeconds": .int(Int64(Self.duration)),
                "acquireTime": .string(Self.microTime(acquired)), "renewTime": .string(Self.microTime(now)),
            ],
        ]
    }

    static func holder(of lease: JSON) -> Holder? {
        let annotations = lease["metadata"]["annotations"]
        guard let host = annotations["ferry.dev/host"].stringValue, let pid = annotations["ferry.dev/pid"].stringValue.flatMap(Int32.init) else {
            return nil
        }
        return Holder(
            host: host, pid: pid, migration: annotations["ferry.dev/migration"].stringValue ?? "?",
            plan: annotations["ferry.dev/plan"].stringValue ?? "?", planDigest: annotations["ferry.dev/plan-digest"].stringValue ?? "")
    }

    /// Kubernetes' MicroTime: RFC 3339 with microseconds, in UTC.
    static func microTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"
        return formatter.string(from: date)
    }

    static func time(_ value: JSON) -> Date? {
        guard let text = value.stringValue, let match = text.wholeMatch(of: /(.+?)(\.\d+)?(Z|[+-]\d\d:\d\d)/) else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let whole = formatter.date(from: String(match.1) + String(match.3)) else { return nil }
        return whole.addingTimeInterval(match.2.flatMap { Double("0" + $0) } ?? 0)
    }
}
