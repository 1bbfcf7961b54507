import ArgumentParser
import FerryJSON
import FerryKube
import Foundation

/// What the shell completions offer beyond subcommands and flags: plan files,
/// directories, the kubeconfig's contexts, and the cluster's nodes and workloads,
/// asked of the cluster the command line names (`--kubeconfig`, `--context`), as
/// kubectl's completions do. A completion never prints an error: a cluster that does
/// not answer within two seconds completes nothing.
enum Completions {
    static let plan = CompletionKind.file(extensions: ["yaml", "yml", "json"])

    static let contexts = CompletionKind.custom { words, _, prefix in
        guard let config = try? loader.load(explicitPath: value(of: "--kubeconfig", in: words)) else { return [] }
        return config.contexts.keys.sorted().filter { $0.hasPrefix(prefix) }
    }

    static let nodes = CompletionKind.custom { (words: [String], _: Int, prefix: String) async -> [String] in
        await names(words) { kube in
            try await kube.list(.nodes).items.map { $0["metadata"]["name"].stringValue ?? "" }
        }.filter { $0.hasPrefix(prefix) }
    }

    /// `NAMESPACE/NAME` of every Deployment and StatefulSet.
    static let workloads = CompletionKind.custom { (words: [String], _: Int, prefix: String) async -> [String] in
        await names(words) { kube in
            var found: [String] = []
            for type in [ResourceType.deployments, .statefulSets] {
                found += try await kube.list(type).items.map {
                    "\($0["metadata"]["namespace"].stringValue ?? "")/\($0["metadata"]["name"].stringValue ?? "")"
                }
            }
            return found
        }.filter { $0.hasPrefix(prefix) }
    }

    private static var loader: KubeconfigLoader { .standard }

    /// The value after `flag` on the command line, in either `--flag value` or `--flag=value` form.
    static func value(of flag: String, in words: [String]) -> String? {
        for (index, word) in words.enumerated() {
            if word == flag, index + 1 < words.count { return words[index + 1] }
            if word.hasPrefix(flag + "=") { return String(word.dropFirst(flag.count + 1)) }
        }
        return nil
    }

    private static func names(_ words: [String], _ read: @escaping @Sendable (KubeClient) async throws -> [String]) async -> [String] {
        guard let access = try? loader.access(explicitPath: value(of: "--kubeconfig", in: words), context: value(of: "--context", in: words)),
            let kube = try? KubeClient(access: access, requestTimeout: .seconds(2))
        else { return [] }
        // The shell waits for the answer: two seconds at most, retries included.
        let found = await withTaskGroup(of: [String]?.self) { group in
            group.addTask { try? await read(kube) }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
        await kube.shutdown()
        return found.sorted()
    }
}
