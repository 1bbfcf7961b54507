import FerryKube
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the plan's checks against the workload on the target node: a log line (the
/// lab's Frigate logs `TPU found`), an HTTP answer, each retried until its timeout.
struct VerifyStep: MigrationStep {
    let environment: MigrationEnvironment
    let index: Int
    let check: MigrationPlan.Check
    /// Fetches a URL from this machine; a protocol so tests and the lab need no network.
    let http: any HTTPProbe

    var id: String { "verify-\(index + 1)" }
    var title: String {
        switch check.kind {
        case .log(let text): "Verify the log of \(environment.workload.name) shows \"\(text)\""
        case .http(let url, let from, let status): "Verify GET \(url) answers \(status) (from \(from.rawValue))"
        case .command(let command): "Verify `\(command)` succeeds in \(environment.workload.name)"
        }
    }
    var phase: MigrationPhase { .deploy }

    /// What the check waits for, as "waiting for ..." reads it.
    var awaited: String {
        switch check.kind {
        case .log(let text): "the log of \(environment.workload.name) to show \"\(text)\""
        case .http(let url, let from, let status): "GET \(url) to answer \(status) (from \(from.rawValue))"
        case .command(let command): "`\(command)` to succeed in \(environment.workload.name)"
        }
    }

    func inspect(_ context: StepContext) async throws -> StepState {
        .pending(reason: "checks always run")
    }

    func apply(_ context: StepContext) async throws {
        let timeout = (check.timeout ?? environment.plan.timeouts.verify).duration
        var last = "not tried"
        context.waiting(awaited)
        let passed = try await environment.poll(timeout) {
            do {
                last = try await attempt()
                return last.isEmpty
            } catch {
                last = String(describing: error)
                return false
            }
        }
        guard passed else {
            throw StepFailure(
                "\(title): failed for \(check.timeout ?? environment.plan.timeouts.verify): \(last)",
                fix: "kubectl -n \(environment.workload.namespace) logs deploy/\(environment.workload.name); fix it, then `ferry resume` (or `ferry rollback`)")
        }
    }

    /// "" when the check passes, else why not.
    private func attempt() async throws -> String {
        let node = environment.plan.target.node
        guard let pod = try await environment.pods().first(where: { $0.isReady && $0.nodeName == node }) else {
            return "no Ready pod on \(node)"
        }
        switch check.kind {
        case .log(let text):
            let log = try await environment.kube.logs(pod: pod.name, namespace: environment.workload.namespace, container: check.container)
            return log.contains(text) ? "" : "the log of \(pod.name) does not contain \"\(text)\""
        case .http(let url, .local, let status):
            let answer = try await http.status(of: url)
            return answer == status ? "" : "GET \(url) answered \(answer), expected \(status)"
        case .http(let url, .cluster, let status):
            let service = try Self.clusterService(url, namespace: environment.workload.namespace)
            let answer = try await environment.kube.serviceProxyStatus(
                service: service.name, namespace: service.namespace, port: service.port, path: service.path, https: service.https)
            return answer == status ? "" : "GET \(url) (through the API server's service proxy) answered \(answer), expected \(status)"
        case .command:
            throw StepFailure("commands in the pod are not supported yet", fix: "use a `log` or `http` check")
        }
    }

    /// The Service a cluster URL names: `http://NAME.NAMESPACE.svc[.cluster.local][:PORT]/PATH`,
    /// or `http://NAME[:PORT]/PATH` in the workload's namespace.
    static func clusterService(_ url: String, namespace: String) throws -> (name: String, namespace: String, port: String, path: String, https: Bool) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
            let scheme = components.scheme, scheme == "http" || scheme == "https"
        else { throw StepFailure("\(url) is not an http:// or https:// URL", fix: "write it as http://SERVICE.NAMESPACE.svc:PORT/PATH") }
        let labels = host.split(separator: ".").map(String.init)
        let inCluster = labels.count == 1 || labels.count == 2 || (labels.count >= 3 && labels[2] == "svc")
        guard inCluster else {
            throw StepFailure(
                "\(url) does not name a Service: a check from the cluster reaches SERVICE.NAMESPACE.svc through the API server",
                fix: "write it as http://SERVICE.NAMESPACE.svc:PORT/PATH, or use `from: local` for an address outside the cluster")
        }
        let https = scheme == "https"
        let port = components.port.map(String.init) ?? (https ? "443" : "80")
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        return (labels[0], labels.count >= 2 ? labels[1] : namespace, port, path, https)
    }

    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] { [title] }
}

/// Answers the HTTP status of a GET.
public protocol HTTPProbe: Sendable {
    func status(of url: String) async throws -> Int
}

/// GETs with URLSession, verifying TLS as the system does.
public struct URLSessionProbe: HTTPProbe {
    public init() {}

    public func status(of url: String) async throws -> Int {
        guard let target = URL(string: url) else { throw StepFailure("\(url) is not a URL") }
        let (_, response) = try await URLSession.shared.data(from: target)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
