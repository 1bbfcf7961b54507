import FerryJSON
import FerryLab
import Foundation
import Testing

/// The reference migration driven through the built binary as a user drives it:
/// `ferry plan`, then `ferry run PLAN --yes --json` and `ferry resume` until it is
/// done, moving the Coral (`ferry lab move-device`) when a run asks for it.
struct KillResumeMigration {
    static let claims = ["frigate-config", "frigate-media"]
    static let target = "k3s-vm-still-fawn"
    static let source = "k3s-vm-pumped-piglet-gpu"

    let lab: RunningLab
    let plan: URL
    /// Every step id of the plan, in order (`ferry run --dry-run`).
    let steps: [String]
    /// The volumes' files before the run, by claim and then relative path.
    let files: [String: [String: Data]]
    /// The original PVs' names and reclaim policies, by claim.
    let originals: [String: (pv: String, policy: String)]

    var connection: [String] { PlanCommandTests.connection(lab) }

    static func prepare(_ lab: RunningLab) async throws -> KillResumeMigration {
        let plan = lab.scratch.appendingPathComponent("migration.yaml")
        let written = try await lab.ferry(
            ["plan", "frigate/frigate", "--to", target, "--repo", lab.file("gitops").path, "--out", plan.path] + PlanCommandTests.connection(lab))
        guard written.status == 0 else { throw SetupFailure(description: "ferry plan failed: \(written.stderr)") }
        let dryRun = try await lab.ferry(["run", plan.path, "--dry-run"] + PlanCommandTests.connection(lab))
        // "  TITLE   [id]": the steps, not the manifest diff that follows them.
        let steps = dryRun.stdout.split(separator: "\n").compactMap { line -> String? in
            line.wholeMatch(of: /\s{2}[^ +\-@].*\s{3}\[([a-z0-9.\-]+)\]/).map { String($0.1) }
        }
        var files: [String: [String: Data]] = [:]
        var originals: [String: (pv: String, policy: String)] = [:]
        for claim in claims {
            let volume = try await Self.volume(of: claim, lab: lab)
            files[claim] = try Self.files(in: volume.directory)
            originals[claim] = (volume.pv, volume.policy)
        }
        #expect(files.values.allSatisfy { !$0.isEmpty }, "the lab's volumes hold files")
        return KillResumeMigration(lab: lab, plan: plan, steps: steps, files: files, originals: originals)
    }

    /// Runs `ferry run`, then `ferry resume` until a process ends on its own, killing
    /// the n-th process at `kills[n]`. False (with the issue recorded) when a process
    /// failed or a kill point never came.
    func drive(_ kills: [KillPoint]) async throws -> Bool {
        let points: [KillPoint?] = kills + [nil]
        for (index, point) in points.enumerated() {
            let command = index == 0 ? "run" : "resume"
            let began = ContinuousClock.now
            let process = try FerryEventProcess(lab.ferry, [command, plan.path, "--yes", "--json"] + connection, scratch: lab.scratch)
            // A safety net only: a process that hangs is killed and the test fails.
            let watchdog = Task { () -> Bool in
                do { try await Task.sleep(for: .seconds(240)) } catch { return false }
                process.kill()
                return true
            }
            var seen: [FerryEvent] = []
            var killed = false
            var moves: [Task<Void, Never>] = []
            for await event in process.events {
                seen.append(event)
                if let point, point.matches(event) {
                    if point.movedFirst { await moveCoral() }
                    process.kill()
                    killed = true
                    break
                }
                if event.event == "waiting", event.step?.hasPrefix("move-") == true, event.message?.hasSuffix(" on still-fawn") == true {
                    moves.append(Task { await moveCoral() })
                }
            }
            let status = await process.waitForExit()
            watchdog.cancel()
            let hung = await watchdog.value
            for move in moves { await move.value }
            let what = "ferry \(command) (process \(index + 1)\(point.map { ", to be killed at \($0)" } ?? ""))"
            print("\(what): \(killed ? "killed" : "exited \(status)") after \(ContinuousClock.now - began), \(seen.count) events")
            let story = seen.map { "    \($0)" }.joined(separator: "\n")
            if hung {
                Issue.record("\(what) hung and was stopped; its events:\n\(story)\nstderr: \(process.stderr())\nvolumes: \(await volumeState())")
                return false
            }
            if point != nil, !killed {
                Issue.record("\(what) never reached its kill point; it exited \(status); its events:\n\(story)\nstderr: \(process.stderr())")
                return false
            }
            if killed {
                #expect(await process.killed, "\(what) should have died of SIGKILL")
            } else if status != 0 {
                Issue.record("\(what) failed (exit \(status)): \(process.stderr())\nits events:\n\(story)")
                return false
            } else {
                #expect(seen.last?.event == "summary", "the event stream ends with its summary:\n\(story)")
            }
        }
        return true
    }

    /// What the person does at the physical move.
    func moveCoral() async {
        do {
            let moved = try await lab.ferry(["lab", "move-device", "coral", "--to", "still-fawn", "--dir", lab.directory.path])
            #expect(moved.status == 0, "ferry lab move-device: \(moved.stderr)")
        } catch {
            Issue.record("ferry lab move-device: \(error)")
        }
    }

    // MARK: Reading the lab

    /// The claims and PVs as one line each, for a run that hung.
    func volumeState() async -> String {
        var lines: [String] = []
        for kind in ["pvc", "pv"] {
            let items = (try? await kubectl(["get", kind, "-A"]))?["items"].arrayValue ?? []
            for item in items {
                let ref = item["spec"]["claimRef"]
                lines.append("\(kind) \(item["metadata"]["name"].stringValue ?? "") \(item["status"]["phase"].stringValue ?? "")"
                    + " volumeName=\(item["spec"]["volumeName"].stringValue ?? "-") claimRef=\(ref["name"].stringValue ?? "-")/\(ref["uid"].stringValue ?? "-")"
                    + " uid=\(item["metadata"]["uid"].stringValue ?? "") deleting=\(item["metadata"]["deletionTimestamp"].stringValue ?? "-")"
                    + " policy=\(item["spec"]["persistentVolumeReclaimPolicy"].stringValue ?? "-")")
            }
        }
        let pods = (try? await kubectl(["get", "pods", "-A"]))?["items"].arrayValue ?? []
        for pod in pods { lines.append("pod \(pod["metadata"]["name"].stringValue ?? "") \(pod["status"]["phase"].stringValue ?? "") deleting=\(pod["metadata"]["deletionTimestamp"].stringValue ?? "-")") }
        return "\n    " + lines.joined(separator: "\n    ")
    }

    func kubectl(_ arguments: [String]) async throws -> JSON {
        let result = try await ChildProcess.run(
            Kubectl.path, ["--kubeconfig", lab.file("kubeconfig").path] + arguments + ["-o", "json"], scratch: lab.scratch)
        guard result.status == 0 else { throw SetupFailure(description: "kubectl \(arguments.joined(separator: " ")): \(result.stderr)") }
        return try JSON.parse(result.stdout)
    }

    func git(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/git", arguments, scratch: lab.scratch)
        guard result.status == 0 else { throw SetupFailure(description: "git \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Volume {
        var pv: String
        var policy: String
        var node: String?
        var directory: URL
    }

    /// The PV a claim is bound to, and where the lab keeps its files.
    static func volume(of claim: String, lab: RunningLab) async throws -> Volume {
        let migration = KillResumeMigration(lab: lab, plan: lab.scratch, steps: [], files: [:], originals: [:])
        let pvc = try await migration.kubectl(["-n", "frigate", "get", "pvc", claim])
        let name = try #require(pvc["spec"]["volumeName"].stringValue)
        let pv = try await migration.kubectl(["get", "pv", name])
        let path = try #require(pv["spec"]["hostPath"]["path"].stringValue ?? pv["spec"]["local"]["path"].stringValue)
        let terms = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"].arrayValue ?? []
        let node = terms.first?["matchExpressions"].arrayValue?.first?["values"].arrayValue?.first?.stringValue
        return Volume(
            pv: name, policy: pv["spec"]["persistentVolumeReclaimPolicy"].stringValue ?? "", node: node,
            directory: NodeFilesystem(root: lab.directory).url(node: try #require(node), path: path))
    }

    /// Every regular file under `directory`, by path relative to it.
    static func files(in directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            files[String(url.path.dropFirst(directory.path.count))] = try Data(contentsOf: url)
        }
        return files
    }
}
