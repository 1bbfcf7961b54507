extension MigrationScripts {
    /// 10: stop the workload on the source and free the device and the label there.
    static func source(_ plan: MigrationPlan) -> ShellScript {
        var blocks: [ShellScript.Block] = []
        if let pause = fluxPause(plan) { blocks.append(pause) }
        if let cronJobs = cronJobsPause(plan) { blocks.append(cronJobs) }
        if !VolumeSteps.claims(plan).isEmpty {
            blocks.append(.init(
                "Set each moved volume's PV to Retain (its old policy saved for the rollback), so deleting its claim",
                "later cannot delete the data (Flux prunes have deleted PVCs users thought safe).", body: [
                    "for claim in \"${CLAIMS[@]}\"; do",
                    "  pv=$(kubectl -n \"$NAMESPACE\" get pvc \"$claim\" -o jsonpath='{.spec.volumeName}')",
                    "  [ -s \"$STATE_DIR/pv.$claim\" ] || echo \"$pv\" >\"$STATE_DIR/pv.$claim\"",
                    "  [ -s \"$STATE_DIR/policy.$claim\" ] || kubectl get pv \"$pv\" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}' >\"$STATE_DIR/policy.$claim\"",
                    "  kubectl patch pv \"$pv\" -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'",
                    "done",
                ]))
        }
        blocks.append(.init(
            "Scale the workload to 0 (its replica count saved for the rollback) and wait for its pods to go:",
            "until then they hold the device and the ReadWriteOnce volumes.", body: [
                "[ -s \"$STATE_DIR/replicas\" ] || kubectl -n \"$NAMESPACE\" get \"$WORKLOAD_KIND\" \"$WORKLOAD\" -o jsonpath='{.spec.replicas}' >\"$STATE_DIR/replicas\"",
                "kubectl -n \"$NAMESPACE\" scale \"$WORKLOAD_KIND\" \"$WORKLOAD\" --replicas=0",
                "selector=$(kubectl -n \"$NAMESPACE\" get \"$WORKLOAD_KIND\" \"$WORKLOAD\" -o json | jq -r '.spec.selector.matchLabels | to_entries | map(\"\\(.key)=\\(.value)\") | join(\",\")')",
                "no_pods() { [ -z \"$(kubectl -n \"$NAMESPACE\" get pods -l \"$selector\" -o name)\" ]; }",
                "wait_for \(plan.timeouts.podReady.seconds) \"the pods of $WORKLOAD to terminate\" no_pods",
            ]))
        for device in plan.devices where device.move {
            let matches = device.usbMatches.map(q).joined(separator: " ")
            blocks.append(.init(
                "Remove \(device.label) from the source VM's config, so it does not hold on to a device about to be unplugged.",
                "The removed lines are saved first: the rollback puts them back.", body: [
                    "for slot in $(slots_with \"$SOURCE_HOST\" \"$SOURCE_VMID\" usb \(matches)); do",
                    "  host_exec \"$SOURCE_HOST\" qm config \"$SOURCE_VMID\" | grep \"^$slot: \" >>\"$STATE_DIR/source-passthrough\"",
                    "  host_exec \"$SOURCE_HOST\" qm set \"$SOURCE_VMID\" --delete \"$slot\"",
                    "done",
                ]))
        }
        if plan.nodeLabel?.setBy == .ferry {
            blocks.append(.init("Remove the hardware label from the source node: nothing may be scheduled there for the device now.", body: [
                "kubectl label node \"$SOURCE_NODE\" \"$LABEL_KEY-\" 2>/dev/null || true",
            ]))
        }
        return ShellScript(
            name: "10-source.sh", purpose: "Source: suspend Flux, set the volumes' PVs to Retain, scale the workload to 0, remove the passthrough and the node label.",
            why: ["The downtime starts here."], plan: plan, blocks: blocks)
    }

    /// 20: the person moves the device; the script waits until the target host lists it.
    static func physicalMove(_ plan: MigrationPlan) -> ShellScript {
        var blocks: [ShellScript.Block] = []
        for device in plan.devices where device.move {
            let port = device.usb?.usb3 == true ? " (a USB 3 port, the blue one)" : ""
            guard let pattern = device.lsusbPattern else {
                blocks.append(.init("\(device.label) is chosen by port or mapping: it cannot be looked for by id.", body: [
                    "log \(q("Move \(device.label) from \(plan.source.host) to \(plan.target.host)\(port), then press Enter."))",
                    "read -r _",
                ]))
                continue
            }
            blocks.append(.init(
                "Ask for \(device.label) to be moved, then wait until the target host lists it (lsusb), at most \(plan.timeouts.deviceMove).", body: [
                    "\(device.shellName)_on_target() { host_exec \"$TARGET_HOST\" lsusb | grep -qE \(q(pattern)); }",
                    "if ! \(device.shellName)_on_target; then",
                    "  log \(q("Unplug \(device.label) from \(plan.source.host) and plug it into \(plan.target.host)\(port)."))",
                    "  wait_for \(plan.timeouts.deviceMove.seconds) \(q("\(device.label) on \(plan.target.host)")) \(device.shellName)_on_target",
                    "fi",
                ]))
        }
        if blocks.isEmpty { blocks.append(.init("The plan moves no device between hosts.", body: [":"])) }
        return ShellScript(
            name: "20-physical-move.sh", purpose: "Physical move: say what to unplug and where to plug it, wait until the target host lists the device.",
            why: ["The one step a person does."], plan: plan, blocks: blocks)
    }
}
