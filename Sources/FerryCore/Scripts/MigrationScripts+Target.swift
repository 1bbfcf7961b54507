extension MigrationScripts {
    /// 30: the device into the target VM, the VM rebooted and checked, drivers, the label.
    static func target(_ plan: MigrationPlan) -> ShellScript {
        var blocks: [ShellScript.Block] = []
        for device in plan.devices {
            switch device.selector {
            case .usb(let usb): blocks.append(usbPassthrough(device, usb, plan))
            case .pci(let pci): blocks.append(pciPassthrough(device, pci, plan))
            }
        }
        let probes = plan.devices.compactMap(\.vmProbe)
        if !plan.devices.isEmpty {
            let visible = probes.isEmpty ? "true" : probes.joined(separator: " && ")
            blocks.append(.init(
                "Reboot the target VM unless it already sees the devices (passthrough takes effect at boot), then wait",
                "until it answers (SSH or guest agent) and its node is Ready.", body: [
                    "devices_in_vm() { \(visible); }",
                    "if ! devices_in_vm 2>/dev/null; then",
                    "  host_exec \"$TARGET_HOST\" qm reboot \"$TARGET_VMID\"",
                    "  wait_for \(plan.timeouts.vmBoot.seconds) \"$TARGET_VM to answer\" target_exec true",
                    "fi",
                    "kubectl wait --for=condition=Ready \"node/$TARGET_NODE\" --timeout=\(plan.timeouts.nodeReady.seconds)s",
                    "devices_in_vm || die \"$TARGET_VM does not list the devices (lsusb, lspci -nn): check its passthrough lines (qm config $TARGET_VMID on $TARGET_HOST)\"",
                ]))
        }
        for driver in plan.drivers {
            var body = ["if ! target_exec sh -c \(q(driver.check)); then"]
            if let install = driver.install {
                body += ["  target_exec sh -c \(q(install))",
                         "  target_exec sh -c \(q(driver.check)) || die \(q("installing \(driver.name) did not make its check pass: \(driver.check)"))"]
            } else {
                body += ["  die \(q("\(driver.name) is missing in \(plan.target.vm) and the plan gives no install command: install it by hand"))"]
            }
            body.append("fi")
            blocks.append(.init("Driver \(driver.name) in the target VM: installed only when its check fails.", body: body))
        }
        for device in plan.devices {
            guard let resource = device.resource else { continue }
            let path = "{.status.allocatable.\(resource.replacingOccurrences(of: ".", with: "\\."))}"
            blocks.append(.init("A device plugin advertises \(resource) on the target node once its VM sees \(device.name): wait for it.", body: [
                "\(device.shellName)_resource() { [ \"$(kubectl get node \"$TARGET_NODE\" -o jsonpath=\(q(path)))\" -ge 1 ] 2>/dev/null; }",
                "wait_for \(plan.timeouts.nodeReady.seconds) \(q("\(resource) on \(plan.target.node)")) \(device.shellName)_resource",
            ]))
        }
        for device in plan.devices {
            guard let runtimeClass = device.runtimeClass else { continue }
            blocks.append(.init("K3s adds the handler of RuntimeClass \(runtimeClass) once it starts with the runtime installed: wait for it.", body: [
                "handler=$(kubectl get runtimeclass \(q(runtimeClass)) -o jsonpath='{.handler}')",
                "\(device.shellName)_runtime() { kubectl get node \"$TARGET_NODE\" -o jsonpath='{.status.runtimeHandlers[*].name}' | tr ' ' '\\n' | grep -qx \"$handler\"; }",
                "wait_for \(plan.timeouts.nodeReady.seconds) \(q("RuntimeClass \(runtimeClass) on \(plan.target.node) (systemctl restart k3s-agent in the VM once its runtime is installed)")) \(device.shellName)_runtime",
            ]))
        }
        switch plan.nodeLabel?.setBy {
        case .ferry?:
            blocks.append(.init("Label the target node: the workload selects its node by this label.", body: [
                "kubectl label node \"$TARGET_NODE\" \"$LABEL_KEY=$LABEL_VALUE\" --overwrite",
            ]))
        case .nodeFeatureDiscovery?:
            blocks.append(.init("Node Feature Discovery labels the target node once its VM sees the device: wait for it.", body: [
                "labelled() { [ \"$(kubectl get node \"$TARGET_NODE\" -o go-template=\"{{index .metadata.labels \\\"$LABEL_KEY\\\"}}\")\" = \"$LABEL_VALUE\" ]; }",
                "wait_for \(plan.timeouts.podReady.seconds) \"Node Feature Discovery to label $TARGET_NODE\" labelled",
            ]))
        case nil:
            break
        }
        return ShellScript(
            name: "30-target.sh", purpose: "Target: pass the device to the target VM, reboot it, check the device inside, install drivers, label the node.",
            why: ["VM commands go through vm_exec: SSH, else the QEMU guest agent."], plan: plan, blocks: blocks)
    }

    private static func usbPassthrough(_ device: MigrationPlan.Device, _ usb: MigrationPlan.USB, _ plan: MigrationPlan) -> ShellScript.Block {
        var body: [String] = []
        if let pattern = device.lsusbPattern {
            let missing = device.move ? "run 20-physical-move.sh" : "the plan says it has its own (move: false)"
            body += ["host_exec \"$TARGET_HOST\" lsusb | grep -qE \(q(pattern)) || die \(q("\(device.label) is not plugged into \(plan.target.host): \(missing)"))"]
        }
        for (value, match) in zip(usb.configValues, device.usbMatches) {
            body += [
                "if [ -z \"$(slots_with \"$TARGET_HOST\" \"$TARGET_VMID\" usb \(q(match)))\" ]; then",
                "  slot=$(free_slot \"$TARGET_HOST\" \"$TARGET_VMID\" usb 14) || die \"VM $TARGET_VMID has no free usbN slot: qm set $TARGET_VMID --delete usbN for an unused one\"",
                "  echo \"$slot\" >>\"$STATE_DIR/target-passthrough\"",
                "  host_exec \"$TARGET_HOST\" qm set \"$TARGET_VMID\" \"--$slot\" \(q(value))",
                "fi",
            ]
        }
        let why = usb.usb3 ? " with usb3=1 (the blueprint's Coral worked first try with it)" : ""
        let ids = usb.ids.count > 1 ? "; one line per id, since the device changes id once its firmware loads" : ""
        return .init("Check \(device.label) is on the target host, then pass it to the target VM\(why)\(ids).", body: body)
    }

    /// The card is looked up by its ids on the target host: its address there is
    /// the one to pass. (`ferry check` also checks its IOMMU group.)
    private static func pciPassthrough(_ device: MigrationPlan.Device, _ pci: MigrationPlan.PCI, _ plan: MigrationPlan) -> ShellScript.Block {
        var body: [String] = []
        if let mapping = pci.mapping {
            body += ["value=\(q(pci.configValue(address: nil)))", "match=\(q("mapping=\(mapping)"))"]
        } else {
            let pattern = pci.ids.map { "\\[\($0)\\]" }.joined(separator: "|")
            body += [
                "address=$(host_exec \"$TARGET_HOST\" lspci -Dnn | awk -v re=\(q(pattern)) '$0 ~ re { print $1; exit }')",
                "[ -n \"$address\" ] || die \(q("\(device.label) is not in \(plan.target.host) (lspci -Dnn lists no such id)"))",
                "match=\(pci.allFunctions ? "${address%.*}" : "$address")",
                "value=\"$match\"\(q(String(pci.configValue(address: "").drop { $0 != "," })))",
            ]
        }
        body += [
            "if [ -z \"$(slots_with \"$TARGET_HOST\" \"$TARGET_VMID\" hostpci \"$match\")\" ]; then",
            "  slot=$(free_slot \"$TARGET_HOST\" \"$TARGET_VMID\" hostpci 16) || die \"VM $TARGET_VMID has no free hostpciN slot: qm set $TARGET_VMID --delete hostpciN for an unused one\"",
            "  echo \"$slot\" >>\"$STATE_DIR/target-passthrough\"",
            "  host_exec \"$TARGET_HOST\" qm set \"$TARGET_VMID\" \"--$slot\" \"$value\"",
            "fi",
        ]
        return .init("Find \(device.label) in the target host (by its ids: its address there is its own), then pass it to the target VM.", body: body)
    }
}
