extension MigrationScripts {
    /// 00: the blueprint's pre-flight checks, which its migration skipped and paid for.
    static func preflight(_ plan: MigrationPlan) -> ShellScript {
        var blocks: [ShellScript.Block] = [
            .init("The tools every later script runs.", body: [
                "for tool in ssh kubectl jq git; do command -v \"$tool\" >/dev/null || die \"$tool is not on the PATH\"; done",
            ]),
            .init("SSH to the target VM, else its guest agent: the later scripts use whichever works.", body: [
                "if ssh -o BatchMode=yes -o ConnectTimeout=\"$SSH_TIMEOUT\" \"${VM_USER:+$VM_USER@}$TARGET_VM\" true 2>/dev/null; then",
                "  log \"SSH to $TARGET_VM works\"",
                "elif target_exec true; then",
                "  log \"SSH to $TARGET_VM fails; the QEMU guest agent works (vm_exec falls back to it)\"",
                "else",
                "  die \"neither SSH nor the guest agent reaches $TARGET_VM: fix SSH, or enable the agent (qm set $TARGET_VMID --agent 1)\"",
                "fi",
            ]),
            .init("The target node is Ready and schedulable.", body: [
                "kubectl get node \"$TARGET_NODE\" -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -q True \\",
                "  || die \"node $TARGET_NODE is not Ready\"",
                "if [ \"$(kubectl get node \"$TARGET_NODE\" -o jsonpath='{.spec.unschedulable}')\" = true ]; then die \"node $TARGET_NODE is cordoned: kubectl uncordon $TARGET_NODE\"; fi",
            ]),
            .init("Where each volume is bound: local-path PVs are tied to their node and must be moved (40-volumes.sh).", body: [
                "for claim in \"${CLAIMS[@]}\"; do",
                "  pv=$(kubectl -n \"$NAMESPACE\" get pvc \"$claim\" -o jsonpath='{.spec.volumeName}')",
                "  node=$(kubectl get pv \"$pv\" -o jsonpath='{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}')",
                "  log \"$claim: PV $pv on ${node:-no node (network storage)}\"",
                "done",
            ]),
            .init("The Secrets the workload's namespace holds (names only): they are namespaced, not node-bound, but check.", body: [
                "kubectl -n \"$NAMESPACE\" get secrets -o name",
            ]),
        ]
        for device in plan.devices {
            guard let pattern = device.lsusbPattern else { continue }
            blocks.append(.init("\(device.label): where it is plugged in now (it moves from the source host to the target host).", body: [
                "for host in \"$SOURCE_HOST\" \"$TARGET_HOST\"; do",
                "  if host_exec \"$host\" lsusb | grep -qE \(q(pattern)); then log \"\(device.name) is on $host\"; fi",
                "done",
            ]))
        }
        if plan.gitops != nil {
            blocks.append(.init("The GitOps clone is clean and its Kustomization exists.", body: [
                "[ -z \"$(git -C \"$REPO\" status --porcelain)\" ] || die \"$REPO has uncommitted changes: commit or stash them\"",
                "kubectl -n \"$KUSTOMIZATION_NS\" get kustomization \"$KUSTOMIZATION\" >/dev/null",
            ]))
        }
        return ShellScript(
            name: "00-preflight.sh", purpose: "Pre-flight checks: tools, VM access (SSH or guest agent), target node, volumes, Secrets, hardware, Git. Changes nothing.",
            why: ["Run it first: the blueprint's migration lost 30 minutes to what these checks find."], plan: plan, blocks: blocks)
    }
}
