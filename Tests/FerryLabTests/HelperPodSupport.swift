import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// What the helper-pod tests share: finding a claim's volume directory, the
/// processes of this machine, and a tree of files to compare.
enum HelperPod {
    /// A token to put in a pod's command line, so that its process can be found on this machine.
    static func token() -> String {
        "86399.\(UInt32.random(in: 100_000...999_999))"
    }

    /// Pids of this machine's processes whose command line contains `text` (zombies have none).
    static func processes(containing text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty
            else { return nil }
            let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return commandLine.contains(text) ? pid : nil
        }
    }

    /// The directory local-path made for claim `name` (in `default`) on `node`.
    static func volumeDirectory(_ lab: LabFixture, claim name: String, on node: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> URL
    {
        let entry = try #require(
            lab.volumeDirectories(on: node).first { $0.hasSuffix("_default_\(name)") }, "no volume of \(name) on \(node)",
            sourceLocation: sourceLocation)
        return lab.storageDirectory(on: node).appendingPathComponent(entry)
    }

    /// Every entry below `root`, by relative path: its kind, mode and contents (or link target).
    static func tree(_ root: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        for relative in try manager.subpathsOfDirectory(atPath: root.path) {
            let path = root.appendingPathComponent(relative).path
            let attributes = try manager.attributesOfItem(atPath: path)
            let mode = String((attributes[.posixPermissions] as? Int) ?? 0, radix: 8)
            switch attributes[.type] as? FileAttributeType {
            case .typeSymbolicLink: result[relative] = "link -> \(try manager.destinationOfSymbolicLink(atPath: path))"
            case .typeDirectory: result[relative] = "directory \(mode)"
            default:
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                result[relative] = "file \(mode) \(data.count) bytes, fnv1a \(String(fnv1a(data), radix: 16))"
            }
        }
        return result
    }

    /// A digest over every byte (Data's own hash does not read them all).
    static func fnv1a(_ data: Data) -> UInt64 {
        data.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// Manifests of real pods, in `default`: a container named `main` running `script`
/// with `sh -c` (or `shell`), on `node`.
extension Manifest {
    static func realPod(
        _ name: String, node: String, script: String, shell: String = "sh", restartPolicy: String = "Never",
        claim: String? = nil, readOnly: Bool = false, podIPEnv: Bool = false, env: KeyValuePairs<String, String> = [:],
        extraVolumes: String = "", extraMounts: String = "", workingDir: String? = nil
    ) -> String {
        var environment = podIPEnv ? ["    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}"] : []
        environment += env.map { "    - {name: \($0.key), value: \"\($0.value)\"}" }
        var mounts: [String] = []
        var volumes: [String] = []
        if let claim {
            mounts.append("    - {name: data, mountPath: /data\(readOnly ? ", readOnly: true" : "")}")
            volumes.append("  - {name: data, persistentVolumeClaim: {claimName: \(claim)}}")
        }
        if !extraMounts.isEmpty { mounts.append(extraMounts) }
        if !extraVolumes.isEmpty { volumes.append(extraVolumes) }
        let body = script.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
        return """
            apiVersion: v1
            kind: Pod
            metadata:
              name: \(name)
            spec:
              restartPolicy: \(restartPolicy)
              terminationGracePeriodSeconds: 30
              nodeSelector: {kubernetes.io/hostname: \(node)}
              containers:
              - name: main
                image: docker.io/library/debian:12
            \(workingDir.map { "    workingDir: \($0)" } ?? "")
                command:
                - \(shell)
                - -c
                - |
            \(body)
            \(environment.isEmpty ? "" : "    env:\n" + environment.joined(separator: "\n"))
            \(mounts.isEmpty ? "" : "    volumeMounts:\n" + mounts.joined(separator: "\n"))
            \(volumes.isEmpty ? "" : "  volumes:\n" + volumes.joined(separator: "\n"))
            """
    }
}
