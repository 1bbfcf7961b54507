import FerryJSON
import Foundation

/// Finds and reads kubeconfig files the way kubectl does:
///
/// 1. an explicit path (`--kubeconfig`): it must exist;
/// 2. else `KUBECONFIG`, a `:`-separated list merged in order (first definition
///    wins; files that do not exist are skipped, as kubectl skips them);
/// 3. else `~/.kube/config`.
///
/// In-cluster configuration is not supported: ferry runs on the operator's machine.
/// The environment and home directory come in as values, so tests need no globals.
public struct KubeconfigLoader: Sendable {
    public var environment: [String: String]
    public var homeDirectory: URL

    public init(environment: [String: String], homeDirectory: URL) {
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    /// The process's own environment and home directory.
    public static var standard: KubeconfigLoader {
        KubeconfigLoader(
            environment: ProcessInfo.processInfo.environment,
            homeDirectory: FileManager.default.homeDirectoryForCurrentUser)
    }

    public func load(explicitPath: String? = nil) throws(KubeconfigError) -> Kubeconfig {
        if let explicitPath {
            let url = URL(fileURLWithPath: explicitPath)
            guard let text = read(url) else {
                throw .missing("kubeconfig \(url.path) does not exist or cannot be read", "Check the --kubeconfig path.")
            }
            return try Kubeconfig.parse(text, file: url)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var merged = Kubeconfig()
            for path in list.split(separator: ":").map(String.init) where !path.isEmpty {
                let url = URL(fileURLWithPath: path)
                guard let text = read(url) else { continue }
                merged.merge(try Kubeconfig.parse(text, file: url))
            }
            guard !merged.files.isEmpty else {
                throw .missing("none of the files in KUBECONFIG (\(list)) exists", "Point KUBECONFIG at your cluster's kubeconfig.")
            }
            return merged
        }
        let url = homeDirectory.appendingPathComponent(".kube/config")
        guard let text = read(url) else {
            throw .missing(
                "no kubeconfig: \(url.path) does not exist and KUBECONFIG is not set",
                "Pass --kubeconfig, set KUBECONFIG, or copy your cluster's config (for K3s: /etc/rancher/k3s/k3s.yaml) there.")
        }
        return try Kubeconfig.parse(text, file: url)
    }

    /// Loads and resolves the context to use (`context` overrides the current one).
    public func access(explicitPath: String? = nil, context: String? = nil) throws(KubeconfigError) -> ClusterAccess {
        try ClusterAccess(load(explicitPath: explicitPath), context: context)
    }

    private func read(_ url: URL) -> String? {
        try? String(contentsOf: url, encoding: .utf8)
    }
}
