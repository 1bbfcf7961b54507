import Foundation
import FerryJSON

/// What a container does when the lab's kubelet starts it. The lab runs no images;
/// a runtime decides, from the image and command, whether the container keeps
/// running or exits, and what it prints. Runtimes are asked in order and the first
/// that knows the image answers, so the hardware-aware ones (Frigate and its TPU)
/// sit in front of the generic shell one.
public protocol ContainerRuntime: Sendable {
    /// nil when this runtime does not simulate `container`.
    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome?

    /// For a container this runtime started and that is running: nil while it keeps
    /// running, or how it ended (Frigate dies when its Coral is unplugged).
    func check(container: JSON, pod: JSON, node: String) async -> ContainerOutcome?
}

extension ContainerRuntime {
    public func check(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? { nil }
}

public enum ContainerOutcome: Sendable, Equatable {
    case running(log: [String])
    case exited(code: Int, log: [String])
}

/// Any image: its command is read as a small shell script. `echo` prints, `exit N`
/// and `false` end it, a `sleep` keeps it running; a container without a command
/// runs its image's server forever.
struct ShellContainerRuntime: ContainerRuntime {
    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        let words = ((container["command"].arrayValue ?? []) + (container["args"].arrayValue ?? [])).compactMap(\.stringValue)
        guard !words.isEmpty else { return .running(log: []) }
        let script: String
        if ["sh", "/bin/sh", "bash", "/bin/bash"].contains(words[0]), words.count >= 3, words[1] == "-c" {
            script = words[2...].joined(separator: " ")
        } else {
            script = words.joined(separator: " ")
        }
        var log: [String] = []
        let statements = script.replacingOccurrences(of: "&&", with: ";").split(whereSeparator: { $0 == ";" || $0 == "\n" })
        for statement in statements.map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let parts = statement.split(separator: " ", maxSplits: 1).map(String.init)
            switch parts.first {
            case "echo": log.append((parts.count > 1 ? parts[1] : "").trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))
            case "exit": return .exited(code: Int(parts.count > 1 ? parts[1] : "0") ?? 2, log: log)
            case "false": return .exited(code: 1, log: log)
            case "sleep": return .running(log: log)
            default: continue
            }
        }
        return .exited(code: 0, log: log)
    }
}
