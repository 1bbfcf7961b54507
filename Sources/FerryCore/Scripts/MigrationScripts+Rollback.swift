extension MigrationScripts {
    /// 90: back to the workload on the source node, last change first, from what the
    /// other scripts saved in `.state/` before each change.
    static func rollback(_ plan: MigrationPlan) -> ShellScript {
        var blocks: [ShellScript.Block] = []
        if plan.gitops != nil {
            if let pause = fluxPause(plan) { blocks.append(pause) }
            blocks.append(.init("Revert the migration's commit (found by its trailer) and push, unless it is reverted already.", body: [
                "branch=${BRANCH:-$(git -C \"$REPO\" rev-parse --abbrev-ref HEAD)}",
                "git -C \"$REPO\" pull --ff-only --quiet origin \"$branch\"",
                "commit=$(git -C \"$REPO\" log --format=%H --grep=\(q("^Ferry-Migration: \(plan.name)$")) | head -n 1)",
                "if [ -n \"$commit\" ] && ! git -C \"$REPO\" log --format=%B | grep -q \"This reverts commit $commit\"; then",
                "  git -C \"$REPO\" revert --no-edit \"$commit\"",
                "  git -C \"$REPO\" push --quiet origin \"HEAD:$branch\"",
                "fi",
            ]))
        }
        blocks += liveRestore(plan)
        if plan.nodeLabel?.setBy == .ferry {
            blocks.append(.init("The hardware label back from the target node to the source node.", body: [
                "kubectl label node \"$TARGET_NODE\" \"$LABEL_KEY-\" 2>/dev/null || true",
                "kubectl label node \"$SOURCE_NODE\" \"$LABEL_KEY=$LABEL_VALUE\" --overwrite",
            ]))
        }
        let moved = plan.devices.filter(\.move)
        if !plan.devices.isEmpty {
            blocks.append(.init("Remove the passthrough 30-target.sh added to the target VM (the slots it saved).", body: [
                "if [ -s \"$STATE_DIR/target-passthrough\" ]; then",
                "  while read -r slot; do host_exec \"$TARGET_HOST\" qm set \"$TARGET_VMID\" --delete \"$slot\"; done <\"$STATE_DIR/target-passthrough\"",
                "  rm \"$STATE_DIR/target-passthrough\"",
                "fi",
            ]))
        }
        if !moved.isEmpty {
            for device in moved {
                guard let pattern = device.lsusbPattern else { continue }
                blocks.append(.init("Ask for \(device.label) to be moved back, and wait until the source host lists it.", body: [
                    "\(device.shellName)_on_source() { host_exec \"$SOURCE_HOST\" lsusb | grep -qE \(q(pattern)); }",
                    "if ! \(device.shellName)_on_source; then",
                    "  log \(q("Unplug \(device.label) from \(plan.target.host) and plug it into \(plan.source.host)."))",
                    "  wait_for \(plan.timeouts.deviceMove.seconds) \(q("\(device.label) on \(plan.source.host)")) \(device.shellName)_on_source",
                    "fi",
                ]))
            }
            blocks.append(.init(
                "Put the source VM's passthrough lines back as 10-source.sh saved them, and reboot it so it attaches the device.", body: [
                    "if [ -s \"$STATE_DIR/source-passthrough\" ]; then",
                    "  while IFS= read -r line; do",
                    "    slot=${line%%: *} value=${line#*: }",
                    "    host_exec \"$SOURCE_HOST\" qm set \"$SOURCE_VMID\" \"--$slot\" \"$value\"",
                    "  done <\"$STATE_DIR/source-passthrough\"",
                    "  rm \"$STATE_DIR/source-passthrough\"",
                    "  host_exec \"$SOURCE_HOST\" qm reboot \"$SOURCE_VMID\"",
                    "  wait_for \(plan.timeouts.vmBoot.seconds) \"$SOURCE_VM to answer\" source_exec true",
                    "  kubectl wait --for=condition=Ready \"node/$SOURCE_NODE\" --timeout=\(plan.timeouts.nodeReady.seconds)s",
                    "fi",
                ]))
        }
        if !VolumeSteps.claims(plan).isEmpty {
            blocks.append(.init(
                "Bind each claim to its original PV again (kept, Retain, since 10-source.sh) and give the PV its old policy.",
                "What the workload wrote on the target node is not copied back (`ferry rollback` does copy it): the copies stay.", body: [
                    "for claim in \"${CLAIMS[@]}\"; do",
                    "  [ -s \"$STATE_DIR/pv.$claim\" ] || continue",
                    "  old_pv=$(cat \"$STATE_DIR/pv.$claim\")",
                    "  if [ -s \"$STATE_DIR/pvc.$claim.json\" ] && [ \"$(kubectl -n \"$NAMESPACE\" get pvc \"$claim\" -o jsonpath='{.spec.volumeName}' 2>/dev/null)\" != \"$old_pv\" ]; then",
                    "    kubectl -n \"$NAMESPACE\" delete pvc \"$claim\" --ignore-not-found --wait=true",
                    "    kubectl patch pv \"$old_pv\" --type merge -p \"{\\\"spec\\\":{\\\"claimRef\\\":{\\\"namespace\\\":\\\"$NAMESPACE\\\",\\\"name\\\":\\\"$claim\\\",\\\"uid\\\":null,\\\"resourceVersion\\\":null}}}\"",
                    "    jq --arg pv \"$old_pv\" '.spec.volumeName = $pv' \"$STATE_DIR/pvc.$claim.json\" | kubectl apply -f -",
                    "    rm -f \"$STATE_DIR/copied.$claim\"",
                    "  fi",
                    "  kubectl patch pv \"$old_pv\" -p \"{\\\"spec\\\":{\\\"persistentVolumeReclaimPolicy\\\":\\\"$(cat \"$STATE_DIR/policy.$claim\")\\\"}}\"",
                    "done",
                ]))
        }
        blocks.append(.init("Scale the workload back to the replicas 10-source.sh saved.", body: [
            "if [ -s \"$STATE_DIR/replicas\" ]; then kubectl -n \"$NAMESPACE\" scale \"$WORKLOAD_KIND\" \"$WORKLOAD\" --replicas=\"$(cat \"$STATE_DIR/replicas\")\"; fi",
        ]))
        if let cronJobs = cronJobsResume(plan) { blocks.append(cronJobs) }
        if plan.gitops != nil {
            blocks.append(.init("Lift Flux's pause for good and let it reconcile the reverted manifests.", body: fluxResume(plan) + [
                "kubectl -n \"$KUSTOMIZATION_NS\" annotate --overwrite kustomization \"$KUSTOMIZATION\" \"reconcile.fluxcd.io/requestedAt=$(date +%s)\"",
            ] + helmReleaseResume(plan)))
        }
        return ShellScript(
            name: "90-rollback.sh", purpose: "Rollback: revert the commit, move the label, the passthrough and the device back, rebind the original volumes, scale up, resume Flux.",
            why: ["Run it after any of the others; each block undoes only what the state directory says was done."], plan: plan, blocks: blocks)
    }
}
