import FerryJSON

extension MigrationPlan {
    /// The plan as a commented plan file (what `ferry plan` writes): every field, in the
    /// order docs/PLAN.md lists them, with a comment per section saying what it is for.
    /// `PlanParser.parse(plan.yaml, file:)` gives the same plan back.
    public var yaml: String { yaml(notes: PlanNotes()) }

    /// The same, with `notes` written as comments where they belong (what `ferry plan`
    /// found and why); comments never change what the file parses to.
    public func yaml(notes: PlanNotes) -> String {
        var out = YAMLLines()
        out.comment("ferry migration plan: move \(workload.namespace)/\(workload.name) from \(source.node) to \(target.node).")
        out.comment("Check it with `ferry check FILE`, run it with `ferry run FILE`. Every field: docs/PLAN.md.")
        out.notes(notes[.header])
        out.field("apiVersion", MigrationPlan.apiVersion)
        out.field("kind", MigrationPlan.kind)
        out.key("metadata")
        out.field("name", name, indent: 1)

        out.section("The workload to move (Deployment or StatefulSet).")
        out.notes(notes[.section("workload")])
        out.key("workload")
        out.field("namespace", workload.namespace, indent: 1)
        out.field("kind", workload.kind.rawValue, indent: 1)
        out.field("name", workload.name, indent: 1)

        for (side, endpoint, what) in [("source", source, "Where it runs now"), ("target", target, "Where it moves to")] {
            out.section("\(what): the Kubernetes node, the Proxmox VM that is that node, its VMID and host.")
            out.notes(notes[.section(side)])
            out.key(side)
            out.field("node", endpoint.node, indent: 1)
            out.field("vm", endpoint.vm, indent: 1)
            out.raw("vmid: \(endpoint.vmid)", indent: 1)
            out.field("host", endpoint.host, indent: 1)
        }

        out.section("Hardware passed through to the VM; it moves from the source host to the target host.")
        out.notes(notes[.section("devices")])
        out.list("devices", devices.isEmpty)
        for (index, device) in devices.enumerated() {
            out.notes(notes[.item("devices", index)], indent: 1)
            out.field("name", device.name, indent: 1, item: true)
            switch device.selector {
            case .usb(let usb):
                out.field("type", "usb", indent: 2)
                if !usb.ids.isEmpty {
                    out.key("ids", indent: 2)
                    for id in usb.ids { out.item(id, indent: 2) }
                }
                if let port = usb.port { out.field("port", port, indent: 2) }
                if let mapping = usb.mapping { out.field("mapping", mapping, indent: 2) }
                out.raw("usb3: \(usb.usb3)", indent: 2)
            case .pci(let pci):
                out.field("type", "pci", indent: 2)
                if !pci.ids.isEmpty {
                    out.key("ids", indent: 2)
                    for id in pci.ids { out.item(id, indent: 2) }
                }
                if let subsystem = pci.subsystem { out.field("subsystem", subsystem, indent: 2) }
                if let mapping = pci.mapping { out.field("mapping", mapping, indent: 2) }
                out.raw("allFunctions: \(pci.allFunctions)", indent: 2)
                out.raw("pcie: \(pci.pcie)", indent: 2)
                out.raw("primaryGPU: \(pci.primaryGPU)", indent: 2)
            }
            if let resource = device.resource { out.field("resource", resource, indent: 2) }
            if let runtimeClass = device.runtimeClass { out.field("runtimeClass", runtimeClass, indent: 2) }
            if !device.move { out.raw("move: false", indent: 2) }
        }

        if let nodeLabel {
            out.section("The node label the workload selects on: removed from the source node, put on the target.")
            out.notes(notes[.section("nodeLabel")])
            out.key("nodeLabel")
            out.field("key", nodeLabel.key, indent: 1)
            out.field("value", nodeLabel.value, indent: 1)
            if nodeLabel.setBy != .ferry { out.field("setBy", nodeLabel.setBy.rawValue, indent: 1) }
        } else if !notes[.section("nodeLabel")].isEmpty {
            out.section("No node label to move.")
            out.notes(notes[.section("nodeLabel")])
        }

        out.section("PersistentVolumeClaims: move (copy the data to the target node, the default), keep, or discard (recreate empty: the data is lost).")
        out.notes(notes[.section("volumes")])
        out.list("volumes", volumes.isEmpty)
        for (index, volume) in volumes.enumerated() {
            out.notes(notes[.item("volumes", index)], indent: 1)
            out.field("claim", volume.claim, indent: 1, item: true)
            out.field("action", volume.action.rawValue, indent: 2)
            if let image = volume.image { out.field("image", image, indent: 2) }
        }

        if !cronJobs.isEmpty || !notes[.section("cronJobs")].isEmpty {
            out.section("CronJobs beside the workload that the move touches: pause (suspended from before it goes down until it is Ready on the target).")
            out.notes(notes[.section("cronJobs")])
            out.list("cronJobs", cronJobs.isEmpty)
            for (index, cronJob) in cronJobs.enumerated() {
                out.notes(notes[.item("cronJobs", index)], indent: 1)
                out.field("name", cronJob.name, indent: 1, item: true)
                out.field("action", cronJob.action.rawValue, indent: 2)
            }
        }

        if let gitops {
            out.section("The GitOps repository (a local clone) and the Flux objects that apply the workload.")
            out.notes(notes[.section("gitops")])
            out.key("gitops")
            out.notes(notes[.field("gitops", "repo")], indent: 1)
            out.field("repo", gitops.repo, indent: 1)
            if let branch = gitops.branch {
                out.notes(notes[.field("gitops", "branch")], indent: 1)
                out.field("branch", branch, indent: 1)
            }
            if gitops.controller != .fluxKustomization {
                out.notes(notes[.field("gitops", "controller")], indent: 1)
                out.field("controller", gitops.controller.rawValue, indent: 1)
            }
            out.notes(notes[.field("gitops", "kustomization")], indent: 1)
            out.field("kustomization", gitops.kustomization.description, indent: 1)
            if let helmRelease = gitops.helmRelease {
                out.notes(notes[.field("gitops", "helmRelease")], indent: 1)
                out.field("helmRelease", helmRelease.description, indent: 1)
            }
            out.notes(notes[.field("gitops", "pause")], indent: 1)
            out.field("pause", gitops.pause.rawValue, indent: 1)
            out.notes(notes[.field("gitops", "gitRepository")], indent: 1)
            out.field("gitRepository", gitops.gitRepository.description, indent: 1)
            out.notes(notes[.field("gitops", "files")], indent: 1)
            out.key("files", indent: 1)
            for file in gitops.files { out.item(file, indent: 1) }
        } else if !notes[.section("gitops")].isEmpty {
            out.section("No GitOps: ferry edits no files and touches no Flux objects.")
            out.notes(notes[.section("gitops")])
        }

        out.section("Edits to the manifests, in order; comments and layout are kept.")
        out.notes(notes[.section("manifestChanges")])
        out.list("manifestChanges", manifestChanges.isEmpty)
        for (index, change) in manifestChanges.enumerated() {
            out.notes(notes[.item("manifestChanges", index)], indent: 1)
            out.field("file", change.file, indent: 1, item: true)
            if let document = change.document { out.field("document", document, indent: 2) }
            out.edit(change.path, change.edit)
        }

        if gitops == nil {
            out.section("No GitOps: edits ferry makes to the live objects itself, in order; rollback puts back what it found.")
            out.notes(notes[.section("liveChanges")])
            out.list("liveChanges", liveChanges.isEmpty)
            for (index, change) in liveChanges.enumerated() {
                out.notes(notes[.item("liveChanges", index)], indent: 1)
                out.field("object", change.object.description, indent: 1, item: true)
                out.edit(change.path, change.edit)
            }
        }

        out.section("Drivers the target VM needs: `check` exits 0 when present, else `install` runs in the VM as root.")
        out.notes(notes[.section("drivers")])
        out.list("drivers", drivers.isEmpty)
        for (index, driver) in drivers.enumerated() {
            out.notes(notes[.item("drivers", index)], indent: 1)
            out.field("name", driver.name, indent: 1, item: true)
            out.field("check", driver.check, indent: 2)
            if let install = driver.install { out.field("install", install, indent: 2) }
        }

        out.section("Checks once the pods are Ready on the target: a log line, an HTTP GET (from the cluster or this machine), a command in the pod.")
        out.notes(notes[.section("verify")])
        out.list("verify", verify.isEmpty)
        for (index, check) in verify.enumerated() {
            out.notes(notes[.item("verify", index)], indent: 1)
            switch check.kind {
            case .log(let line): out.field("log", line, indent: 1, item: true)
            case .command(let command): out.field("command", command, indent: 1, item: true)
            case .http(let url, let origin, let status):
                out.field("http", url, indent: 1, item: true)
                out.field("from", origin.rawValue, indent: 2)
                out.raw("status: \(status)", indent: 2)
            }
            if let container = check.container { out.field("container", container, indent: 2) }
            if let timeout = check.timeout { out.field("timeout", timeout.description, indent: 2) }
        }

        out.section("How long to wait for each thing before failing (30s, 5m, 2h, 1m30s).")
        out.notes(notes[.section("timeouts")])
        out.key("timeouts")
        for key in Timeouts.keys { out.field(key, timeouts[key].description, indent: 1) }
        return out.text
    }
}

extension YAMLLines {
    /// Comment lines at an indent (a note before a list item sits at the item's `- `).
    fileprivate mutating func notes(_ lines: [String], indent: Int = 0) {
        for line in lines { raw(line.isEmpty ? "#" : "# \(line)", indent: indent) }
    }

    /// The `path` and the edit of a manifest or live change, under its first field.
    fileprivate mutating func edit(_ path: [String], _ edit: MigrationPlan.ManifestChange.Edit) {
        raw("path: [" + path.map(YAMLLines.flowScalar).joined(separator: ", ") + "]", indent: 2)
        switch edit {
        case .set(let value): field("set", value, indent: 2)
        case .remove: raw("remove: true", indent: 2)
        case .replace(let from, let to):
            key("replace", indent: 2)
            field("from", from, indent: 3)
            field("to", to, indent: 3)
        }
    }
}
