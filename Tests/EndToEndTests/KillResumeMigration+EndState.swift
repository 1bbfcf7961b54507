import FerryJSON
import Foundation
import Testing

extension KillResumeMigration {
    /// The state an uninterrupted run ends in, as a user would look at it: the journal,
    /// Frigate on the target with its Coral, Git, the volumes, Flux, the labels and the
    /// VMs' passthrough, and nothing of ferry's left behind.
    func expectEndState() async throws {
        let commit = try await expectGit()
        try await expectJournal(commit: commit)
        try await expectFrigate()
        try await expectVolumes()
        try await expectFlux(commit: commit)
        try await expectHardware()
    }

    /// Exactly one ferry commit on the branch Flux reads, on top, changing exactly the
    /// plan's lines; the clone clean and at that commit. Returns the commit.
    func expectGit() async throws -> String {
        let bare = lab.file("gitops.git").path
        let log = try await git(["--git-dir", bare, "log", "--format=%H %s", "main"]).split(separator: "\n")
        let ours = log.filter { $0.hasSuffix("(ferry)") }
        #expect(ours.count == 1, "one ferry commit on origin main, not \(ours.count):\n\(log.joined(separator: "\n"))")
        #expect(log.first.map(ours.contains) == true, "the ferry commit is the newest on main")
        let diff = try await git(["--git-dir", bare, "diff", "--unified=0", "main~1", "main"])
        let changed = diff.split(separator: "\n").filter { ($0.hasPrefix("+") || $0.hasPrefix("-")) && !$0.hasPrefix("+++") && !$0.hasPrefix("---") }
        #expect(changed.count == 6, "the commit changes the 6 lines of the plan's edits:\n\(diff)")
        let clone = lab.file("gitops").path
        #expect(try await git(["-C", clone, "status", "--porcelain"]).isEmpty, "the clone is clean")
        let head = try await git(["--git-dir", bare, "rev-parse", "main"])
        #expect(try await git(["-C", clone, "rev-parse", "HEAD"]) == head)
        return head
    }

    /// Completed, every step of the plan finished once (listed as they started, so the
    /// volumes' lane's fall among the main steps beside them), and what each undo
    /// needs recorded as the world was before the first run (not as a killed one left it).
    func expectJournal(commit: String) async throws {
        let status = try await lab.ferry(["status", plan.path, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let journal = try JSON.parse(status.stdout)
        #expect(journal["status"].stringValue == "completed")
        let entries = journal["entries"].arrayValue ?? []
        let journaled = entries.compactMap { $0["step"].stringValue }
        #expect(journaled.count == steps.count && Set(journaled) == Set(steps), "\(journaled)")
        for entry in entries {
            #expect(["done", "already-done"].contains(entry["status"].stringValue ?? ""), "\(entry["step"]): \(entry["status"])")
        }
        func memory(_ step: String, _ key: String) -> String? {
            entries.first { $0["step"].stringValue == step }?["memory"][key].stringValue
        }
        #expect(memory("scale-down", "replicas") == "1")
        #expect(memory("unlabel-source", "before") == "usb")
        #expect(memory("remove-passthrough-coral", "lines") == "usb0=host=1a6e:089a,usb3=1\nusb1=host=18d1:9302,usb3=1")
        for claim in Self.claims {
            #expect(memory("retain-volumes", "pv.\(claim)") == originals[claim]?.pv)
            #expect(memory("retain-volumes", "policy.\(claim)") == originals[claim]?.policy)
            #expect(memory("switch", "oldPV.\(claim)") == originals[claim]?.pv)
        }
        #expect(memory("edit-manifests", "commit") == commit)
        let state = lab.scratch.appendingPathComponent(".ferry")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: state.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "temporary journal files left in \(state.path): \(leftovers)")
    }

    /// One Frigate pod, Ready on the target, that found the TPU.
    func expectFrigate() async throws {
        let pods = try await kubectl(["-n", "frigate", "get", "pods", "-l", "app=frigate"])["items"].arrayValue ?? []
        #expect(pods.count == 1, "one Frigate pod, not \(pods.count)")
        let pod = try #require(pods.first)
        #expect(pod["spec"]["nodeName"].stringValue == Self.target)
        #expect(pod["metadata"]["deletionTimestamp"].isNull)
        let ready = pod["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == "Ready" }
        #expect(ready?["status"].stringValue == "True")
        let name = try #require(pod["metadata"]["name"].stringValue)
        let log = try await ChildProcess.run(
            Kubectl.path, ["--kubeconfig", lab.file("kubeconfig").path, "-n", "frigate", "logs", name, "-c", "frigate"], scratch: lab.scratch)
        #expect(log.stdout.contains("TPU found"), "Frigate's log:\n\(log.stdout)")
    }

    /// Each claim on a PV of the target node holding the original files; the originals
    /// kept (Retain) until `ferry cleanup`; no helper pod and no temporary claim left.
    func expectVolumes() async throws {
        for claim in Self.claims {
            let volume = try await Self.volume(of: claim, lab: lab)
            #expect(volume.node == Self.target, "\(claim) is on \(volume.node ?? "no node")")
            #expect(volume.pv != originals[claim]?.pv)
            #expect(volume.policy == originals[claim]?.policy, "the copy's PV has its class's policy again")
            #expect(try Self.files(in: volume.directory) == files[claim], "the files of \(claim) on \(Self.target)")
            let original = try await kubectl(["get", "pv", try #require(originals[claim]?.pv)])
            #expect(original["spec"]["persistentVolumeReclaimPolicy"].stringValue == "Retain")
        }
        let helpers = try await kubectl(["get", "pods", "-A", "-l", "ferry.dev/migration"])["items"].arrayValue ?? []
        #expect(helpers.isEmpty, "helper pods left: \(helpers.compactMap { $0["metadata"]["name"].stringValue })")
        let claims = try await kubectl(["get", "pvc", "-A"])["items"].arrayValue?.compactMap { $0["metadata"]["name"].stringValue } ?? []
        #expect(claims.sorted() == Self.claims, "claims: \(claims)")
    }

    /// The Kustomization resumed (ferry's note gone), Ready, having applied the commit.
    func expectFlux(commit: String) async throws {
        let kustomization = try await kubectl(["-n", "flux-system", "get", "kustomizations.kustomize.toolkit.fluxcd.io", "frigate"])
        #expect(kustomization["spec"]["suspend"].boolValue != true)
        #expect(kustomization["metadata"]["annotations"]["ferry.dev/suspended-by"].isNull)
        let applied = kustomization["status"]["lastAppliedRevision"].stringValue ?? ""
        #expect(applied.hasSuffix(commit), "lastAppliedRevision \(applied), commit \(commit)")
        let ready = kustomization["status"]["conditions"].arrayValue?.first { $0["type"].stringValue == "Ready" }
        #expect(ready?["status"].stringValue == "True")
    }

    /// The label and the Coral's passthrough moved with it, each once.
    func expectHardware() async throws {
        let target = try await kubectl(["get", "node", Self.target])
        let source = try await kubectl(["get", "node", Self.source])
        #expect(target["metadata"]["labels"]["coral.ai/tpu"].stringValue == "usb")
        #expect(source["metadata"]["labels"]["coral.ai/tpu"].isNull)
        let status = try await lab.ferry(["lab", "status", "--json", "--dir", lab.directory.path])
        let lab = try JSON.parse(status.stdout)
        let coral = lab["devices"].arrayValue?.first { $0["name"].stringValue == "coral" }
        #expect(coral?["host"].stringValue == "still-fawn")
        let vms = lab["virtualMachines"].arrayValue ?? []
        func passthrough(_ vmid: Int) -> [String] {
            (vms.first { $0["vmid"].intValue == Int64(vmid) }?["passthrough"].objectValue ?? [:]).values.compactMap(\.stringValue).filter { $0.hasPrefix("host=") }
        }
        #expect(passthrough(105).isEmpty, "VM 105 still passes \(passthrough(105))")
        #expect(passthrough(108).sorted() == ["host=18d1:9302,usb3=1", "host=1a6e:089a,usb3=1"], "VM 108 passes \(passthrough(108))")
        let sees = vms.first { $0["vmid"].intValue == 108 }?["devicesVisible"].arrayValue?.compactMap(\.stringValue) ?? []
        #expect(sees.contains("coral"))
    }
}
