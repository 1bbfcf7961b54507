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
        case .http(_, .cluster, _), .command:
            throw StepFailure("in-cluster HTTP checks and commands in the pod are not supported yet", fix: "use a `log` check or `from: local`")
        }
    }

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
