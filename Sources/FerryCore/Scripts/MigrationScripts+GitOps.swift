import FerryJSON
import FerryGitOps
import Foundation

extension MigrationScripts {
    /// The plan's manifest changes as a patch of the clone as it is now, for
    /// 50-gitops.sh to `git apply`: the edits keep every comment and untouched line,
    /// which sed or yq in a script would not promise. Nil, with the reason, when the
    /// clone is not at hand or an edit does not apply.
    public static func patch(_ plan: MigrationPlan, planFile: URL) async -> (patch: String?, problem: String?) {
        guard plan.gitops != nil, !plan.manifestChanges.isEmpty else { return (nil, nil) }
        let clone = GitOpsLocation.resolve(
            plan.gitops?.repo ?? ".", planDirectory: planFile.deletingLastPathComponent(), home: FileManager.default.homeDirectoryForCurrentUser)
        do {
            let edited = try await ManifestChanges.edited(plan.manifestChanges, in: clone)
            var patch = ""
            for (file, text) in edited.sorted(by: { $0.key < $1.key }) {
                let old = try String(contentsOf: clone.appendingPathComponent(file), encoding: .utf8)
                patch += UnifiedDiff.make(old: old, new: text, path: file)
            }
            return (patch, nil)
        } catch {
            return (nil, "\(error)")
        }
    }

    /// 50: the manifests edited, committed and pushed; Flux resumed and reconciled.
    static func gitops(_ plan: MigrationPlan, patch: String?) -> ShellScript {
        guard plan.gitops != nil else { return live(plan) }
        let subject = "\(plan.workload.name): move to \(plan.target.node) (ferry scripts)"
        var blocks: [ShellScript.Block] = [
            .init("Bring the clone up to date; the branch is the plan's, else the clone's current one.", body: [
                "branch=${BRANCH:-$(git -C \"$REPO\" rev-parse --abbrev-ref HEAD)}",
                "git -C \"$REPO\" pull --ff-only --quiet origin \"$branch\"",
            ]),
        ]
        let edits = plan.manifestChanges.map { "  - \($0.file): \(EditManifestsStep.describe($0))" }
        if plan.manifestChanges.isEmpty {
            blocks.append(.init("The plan changes no manifest.", body: [":"]))
        } else if let patch, !patch.isEmpty {
            blocks.append(.init(
                ["The plan's edits, as ferry made them from the clone when it wrote this script:"] + edits
                    + ["Applied unless the migration's commit is already there; `git apply --check` refuses a clone that changed since."],
                body: [
                    "if ! git -C \"$REPO\" log --format=%H --grep=\(q("^Ferry-Migration: \(plan.name)$")) | grep -q .; then",
                    "  git -C \"$REPO\" apply --check - <<'PATCH' || die \"the manifests changed since ferry scripts wrote this: run ferry scripts again\"",
                ] + patch.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) + [
                    "PATCH",
                    "  git -C \"$REPO\" apply - <<'PATCH'",
                ] + patch.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) + [
                    "PATCH",
                    "  git -C \"$REPO\" add -- \(Array(Set(plan.manifestChanges.map(\.file))).sorted().map(q).joined(separator: " "))",
                    "  git -C \"$REPO\" commit --quiet -m \(q(subject)) -m \(q("Ferry-Migration: \(plan.name)"))",
                    "fi",
                ]))
        } else {
            blocks.append(.init(
                ["ferry could not read the clone when it wrote this script, so the edits are not here as a patch:"] + edits
                    + ["Make them by hand, commit with the trailer below, then run this script again."], body: [
                    "git -C \"$REPO\" log --format=%H --grep=\(q("^Ferry-Migration: \(plan.name)$")) | grep -q . \\",
                    "  || die \(q("edit the manifests as the comments above say, then commit: git commit -m '\(subject)' -m 'Ferry-Migration: \(plan.name)'"))",
                ]))
        }
        blocks.append(.init("Push, unless origin has it already.", body: [
            "git -C \"$REPO\" fetch --quiet origin \"$branch\"",
            "git -C \"$REPO\" merge-base --is-ancestor HEAD \"origin/$branch\" || git -C \"$REPO\" push --quiet origin \"HEAD:$branch\"",
            "commit=$(git -C \"$REPO\" rev-parse HEAD)",
        ]))
        blocks.append(.init(
            "Lift the pause and ask Flux to reconcile now (flux resume / flux reconcile --with-source do the",
            "same), then wait until it has applied the pushed commit: a reconcile can run before Flux fetched it.", body: fluxResume(plan) + [
                "now=$(date +%s)",
                "kubectl -n \"$GIT_SOURCE_NS\" annotate --overwrite gitrepository \"$GIT_SOURCE\" \"reconcile.fluxcd.io/requestedAt=$now\"",
                "kubectl -n \"$KUSTOMIZATION_NS\" annotate --overwrite kustomization \"$KUSTOMIZATION\" \"reconcile.fluxcd.io/requestedAt=$now\"",
                "applied() { kubectl -n \"$KUSTOMIZATION_NS\" get kustomization \"$KUSTOMIZATION\" -o jsonpath='{.status.lastAppliedRevision}' | grep -q \"$commit\"; }",
                "wait_for \(plan.timeouts.reconcile.seconds) \"Flux to apply $commit\" applied",
            ] + helmReleaseResume(plan)))
        if let cronJobs = cronJobsResume(plan) { blocks.append(cronJobs) }
        return ShellScript(
            name: "50-gitops.sh", purpose: "GitOps: edit the manifests, commit and push; resume Flux and wait until it applied the commit.",
            why: ["Flux stays suspended until the volumes are on the target (40-volumes.sh)."], plan: plan, blocks: blocks)
    }

    /// 50 without GitOps: the plan's live edits, then the workload scaled back, since
    /// nothing else would bring it back. An edit inside a list (`name=frigate`) or a
    /// text replacement is no merge patch: the script names it and stops until it is made.
    static func live(_ plan: MigrationPlan) -> ShellScript {
        var blocks: [ShellScript.Block] = []
        var byHand: [String] = []
        for change in plan.liveChanges {
            let kind = change.object.kind.rawValue.lowercased()
            guard let value = mergeValue(change) else {
                byHand.append("  kubectl -n \(plan.workload.namespace) edit \(kind)/\(change.object.name): \(EditManifestsStep.describe(change.path, change.edit))")
                continue
            }
            let index = plan.liveChanges.firstIndex(of: change) ?? 0
            blocks.append(.init("\(change.object): \(EditManifestsStep.describe(change.path, change.edit)); what it was is saved for 90-rollback.sh.", body: [
                "[ -e \"$STATE_DIR/live-\(index)\" ] || kubectl -n \"$NAMESPACE\" get \(kind) \(q(change.object.name)) -o jsonpath=\(q(jsonPath(change.path))) >\"$STATE_DIR/live-\(index)\"",
                "kubectl -n \"$NAMESPACE\" patch \(kind) \(q(change.object.name)) --type=merge -p \(q(mergePatch(change.path, value).serialized))",
            ]))
        }
        if !byHand.isEmpty {
            blocks.append(.init(
                ["Edits a merge patch cannot make; make them yourself, then run this script with EDITED=1:"] + byHand,
                body: ["[ -n \"${EDITED:-}\" ] || die \"make the edits listed in this script by hand, then run EDITED=1 $0\""]))
        }
        blocks.append(.init("Scale the workload back to the replicas 10-source.sh saved.", body: [
            "[ -s \"$STATE_DIR/replicas\" ] || die \"no saved replica count in $STATE_DIR: run 10-source.sh first\"",
            "kubectl -n \"$NAMESPACE\" scale \"$WORKLOAD_KIND\" \"$WORKLOAD\" --replicas=\"$(cat \"$STATE_DIR/replicas\")\"",
        ]))
        return ShellScript(
            name: "50-gitops.sh", purpose: "No GitOps: edit the live objects as the plan says, then scale the workload back.",
            why: [], plan: plan, blocks: blocks)
    }

    /// `{.spec.template.spec.nodeSelector.kubernetes\.io/hostname}`, as kubectl reads it.
    static func jsonPath(_ path: [String]) -> String {
        "{." + path.map { $0.replacingOccurrences(of: ".", with: "\\.") }.joined(separator: ".") + "}"
    }

    /// What a merge patch sets at the change's path (null removes), or nil when no
    /// merge patch makes the change: a path into a list, or a text replacement.
    static func mergeValue(_ change: MigrationPlan.LiveChange) -> JSON? {
        guard !change.path.contains(where: { $0.contains("=") || Int($0) != nil }) else { return nil }
        switch change.edit {
        case .set(let text): return .string(text)
        case .remove: return .null
        case .replace: return nil
        }
    }

    static func mergePatch(_ path: [String], _ value: JSON) -> JSON {
        path.reversed().reduce(value) { inner, key in .object([key: inner]) }
    }

    /// The live edits 50-gitops.sh made as merge patches, put back from what it saved;
    /// empty when the plan has GitOps or no such edit.
    static func liveRestore(_ plan: MigrationPlan) -> [ShellScript.Block] {
        guard plan.gitops == nil else { return [] }
        var body = ["kubectl -n \"$NAMESPACE\" scale \"$WORKLOAD_KIND\" \"$WORKLOAD\" --replicas=0"]
        for (index, change) in plan.liveChanges.enumerated().reversed() {
            guard mergeValue(change) != nil else { continue }
            let kind = change.object.kind.rawValue.lowercased()
            let file = "\"$STATE_DIR/live-\(index)\""
            body += [
                "if [ -e \(file) ]; then",
                "  old=$(cat \(file))",
                "  case $old in *\\\"*|*\\\\*) die \"\(change.object) held a value this script cannot write back: put it back by hand\";; esac",
                "  if [ -n \"$old\" ]; then patch=$(printf \(q(mergePatch(change.path, .string("%s")).serialized)) \"$old\"); else patch=\(q(mergePatch(change.path, .null).serialized)); fi",
                "  kubectl -n \"$NAMESPACE\" patch \(kind) \(q(change.object.name)) --type=merge -p \"$patch\"",
                "  rm \(file)",
                "fi",
            ]
        }
        return [.init("Take the workload down and put back what 50-gitops.sh edited live (saved in .state/).", body: body)]
    }
}
