extension MigrationScripts {
    /// 40: each node-bound volume recreated on the target node, with its data.
    ///
    /// A simpler method than ferry's (which copies twice through helper pods, the
    /// first time while the workload runs, and compares full listings): one rsync
    /// from the source VM to the target VM with the workload stopped, and a second,
    /// with checksums and `--dry-run`, that must find nothing left to send.
    static func volumes(_ plan: MigrationPlan) -> ShellScript {
        let image = plan.volumes.first { $0.action == .move }?.image ?? HelperImage.rsync
        var blocks: [ShellScript.Block] = []
        guard !VolumeSteps.claims(plan).isEmpty else {
            return ShellScript(
                name: "40-volumes.sh", purpose: "Volumes: nothing to move (the plan moves no node-bound volume).",
                why: [], plan: plan, blocks: [.init("Nothing to do.", body: [":"])])
        }
        blocks.append(.init(
            "Needs: the workload scaled to 0 (10-source.sh), the target node up (30-target.sh), rsync in both VMs, and",
            "root on the source VM able to ssh to root on the target VM (the copy goes straight between them).",
            "`ferry run` verifies more: types, modes, owners, sizes, times and SHA-256 of every entry on both sides.", body: [
                "[ \"$(kubectl -n \"$NAMESPACE\" get \"$WORKLOAD_KIND\" \"$WORKLOAD\" -o jsonpath='{.spec.replicas}')\" = 0 ] || die \"scale $WORKLOAD to 0 first (10-source.sh)\"",
                "pv_path() { kubectl get pv \"$1\" -o jsonpath='{.spec.local.path}{.spec.hostPath.path}'; }",
            ]))
        blocks.append(.init(
            "For each claim: save it, delete it (its PV is Retain: the data stays, Released), create it again and bind it",
            "on the target node with a pod pinned there (local-path binds at the first consumer), then copy and check.", body: [
                "for claim in \"${CLAIMS[@]}\"; do",
                "  if [ -e \"$STATE_DIR/copied.$claim\" ]; then log \"$claim: copied and checked already\"; continue; fi",
                "  old_pv=$(cat \"$STATE_DIR/pv.$claim\")",
                "  old_path=$(pv_path \"$old_pv\")",
                "  [ -s \"$STATE_DIR/pvc.$claim.json\" ] || kubectl -n \"$NAMESPACE\" get pvc \"$claim\" -o json | jq 'del(.status, .spec.volumeName, .metadata.uid,",
                "    .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.managedFields, .metadata.finalizers, .metadata.annotations)' >\"$STATE_DIR/pvc.$claim.json\"",
                "  if [ \"$(kubectl -n \"$NAMESPACE\" get pvc \"$claim\" -o jsonpath='{.spec.volumeName}' 2>/dev/null)\" = \"$old_pv\" ]; then",
                "    kubectl -n \"$NAMESPACE\" delete pvc \"$claim\" --wait=true",
                "  fi",
                "  kubectl apply -f \"$STATE_DIR/pvc.$claim.json\"",
                "  kubectl apply -f - <<EOF",
                "apiVersion: v1",
                "kind: Pod",
                "metadata: {name: ferry-bind-$claim, namespace: $NAMESPACE}",
                "spec:",
                "  nodeName: $TARGET_NODE",
                "  restartPolicy: Never",
                "  containers: [{name: bind, image: \(q(image)), command: [sleep, '3600'], volumeMounts: [{name: data, mountPath: /data}]}]",
                "  volumes: [{name: data, persistentVolumeClaim: {claimName: $claim}}]",
                "EOF",
                "  kubectl -n \"$NAMESPACE\" wait --for=jsonpath='{.status.phase}'=Bound \"pvc/$claim\" --timeout=\(plan.timeouts.podReady.seconds)s",
                "  kubectl -n \"$NAMESPACE\" delete pod \"ferry-bind-$claim\" --wait=true",
                "  new_path=$(pv_path \"$(kubectl -n \"$NAMESPACE\" get pvc \"$claim\" -o jsonpath='{.spec.volumeName}')\")",
                "  # Hard links, ACLs, xattrs, owners by number and holes kept; the source VM pushes to the target VM.",
                "  source_exec sudo -n rsync -aHAX --numeric-ids --sparse --delete -e 'ssh -o BatchMode=yes' \"$old_path/\" \"root@$TARGET_VM:$new_path/\"",
                "  # The check: with checksums, nothing may be left to send.",
                "  left=$(source_exec sudo -n rsync -aHAXc --numeric-ids --delete --dry-run --itemize-changes -e 'ssh -o BatchMode=yes' \"$old_path/\" \"root@$TARGET_VM:$new_path/\")",
                "  [ -z \"$left\" ] || die \"the copy of $claim differs from the original: $left\"",
                "  touch \"$STATE_DIR/copied.$claim\"",
                "  log \"$claim: copied to $TARGET_NODE and checked; the original PV $old_pv stays (Retain) until you delete it\"",
                "done",
            ]))
        return ShellScript(
            name: "40-volumes.sh", purpose: "Volumes: recreate each node-bound claim on the target node and copy its data with rsync, then check it.",
            why: ["The blueprint's pods stayed Pending for 15 minutes on PVs bound to the old node; this moves them, data included."],
            plan: plan, blocks: blocks)
    }
}
