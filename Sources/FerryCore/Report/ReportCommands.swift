import FerryRemote

/// The commands a person would type for what one step changed, by system: the step's
/// `describe()` lines (what `--dry-run` prints) with what the journal recorded filled
/// in, so the report names the PV, the config line and the commit that were really
/// touched, not placeholders.
enum ReportCommands {
    /// Steps that only look: in the timeline, not among the changes.
    static func readsOnly(_ step: String) -> Bool {
        step == "preflight" || step.hasPrefix("verify-") || step == "wait-ready"
    }

    static func commands(
        step: any MigrationStep, entry: Journal.Entry, plan: MigrationPlan
    ) -> [(MigrationReport.System, String)] {
        let memory = entry.memory
        let fallback = system(of: step.id)
        var lines = step.describe().map { (system(ofLine: $0) ?? fallback, $0) }
        switch step.id {
        case "suspend-flux":
            if let gitops = plan.gitops, gitops.pause != .objects {
                let (kind, ref) = gitops.helmRelease.map { ("helmrelease", $0) } ?? ("kustomization", gitops.kustomization)
                lines.append((.flux, "flux suspend \(kind) \(ref.name) -n \(ref.namespace)   (the same, with the flux CLI)"))
            }
        case "scale-down":
            if let replicas = memory["replicas"] { lines.append((.kubernetes, "# it had \(replicas) replica(s); undo: --replicas=\(replicas)")) }
        case "retain-volumes":
            lines = VolumeSteps.claims(plan).compactMap { claim in
                guard let pv = memory["pv.\(claim)"] else { return nil }
                let was = memory["policy.\(claim)"].map { "   (was \($0))" } ?? ""
                return (.kubernetes, "kubectl patch pv \(pv) -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'\(was)")
            }
            if lines.isEmpty { lines = step.describe().map { (.kubernetes, $0) } }
        case "unlabel-source", "label-target":
            if let before = memory["before"] {
                lines.append((.kubernetes, before.isEmpty ? "# the label was absent before" : "# its value before: \(before)"))
            }
        case "reboot-target":
            if let upid = memory[VMReboot.requested] { lines.append((.proxmox, "# Proxmox task \(upid)")) }
        case "edit-manifests":
            if let commit = memory["commit"] { lines.append((.git, "git show \(commit)")) }
            if let revert = memory["revert"] { lines.append((.git, "git show \(revert)   (the revert the rollback pushed)")) }
        case "switch":
            for claim in VolumeSteps.claims(plan) {
                guard let old = memory[SwitchVolumesStep.key("oldPV", claim)], let new = memory[SwitchVolumesStep.key("newPV", claim)] else { continue }
                lines.append((.kubernetes, "# \(plan.workload.namespace)/\(claim): from PV \(old) (kept, Retain) to PV \(new) (NEW_PV above)"))
            }
        case "final-copy":
            for claim in VolumeSteps.claims(plan) {
                guard let count = memory[FinalCopyStep.verifiedKey(claim)] else { continue }
                lines.append((.kubernetes, "# \(claim): \(count) entries listed alike on both nodes"))
            }
        default:
            if step.id.hasPrefix("remove-passthrough-"), let removed = memory["lines"], !removed.isEmpty {
                let side = plan.source
                lines = removed.split(separator: "\n").map { line in
                    let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                    return (.proxmox, "qm set \(side.vmid) --delete \(parts[0])   (on \(side.host); it was \(parts[0]): \(parts.count > 1 ? parts[1] : ""))")
                }
            } else if step.id.hasPrefix("add-passthrough-"), let added = memory["lines"], !added.isEmpty {
                let side = plan.target
                lines = added.split(separator: "\n").map { line in
                    let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                    return (.proxmox, "qm set \(side.vmid) --\(parts[0]) \(ShellQuoting.quote(parts.count > 1 ? parts[1] : ""))   (on \(side.host))")
                }
            } else if step.id.hasPrefix("add-passthrough-"), let keys = memory["keys"] {
                lines = added(keys: keys, step: step, plan: plan) ?? lines
            }
        }
        return lines
    }

    /// `qm set VMID --usbN VALUE` for the slots a journal of before the step kept its
    /// lines journaled (USB only then). Slots are taken
    /// lowest first in the order of the device's values, so they pair in order; when
    /// the counts differ (some values were there already), the slots alone are named.
    private static func added(keys: String, step: any MigrationStep, plan: MigrationPlan) -> [(MigrationReport.System, String)]? {
        let slots = keys.split(separator: ",").map(String.init)
            .sorted { (Int($0.dropFirst(3)) ?? 0) < (Int($1.dropFirst(3)) ?? 0) }
        guard !slots.isEmpty else { return nil }
        let name = String(step.id.dropFirst("add-passthrough-".count))
        let values = plan.devices.first { $0.name == name }?.usb?.configValues ?? []
        let side = plan.target
        guard values.count == slots.count else {
            return [(.proxmox, "qm set \(side.vmid) --usbN ...   (on \(side.host); slots used: \(slots.joined(separator: ", ")))")]
        }
        return zip(slots, values).map { (.proxmox, "qm set \(side.vmid) --\($0) \(ShellQuoting.quote($1))   (on \(side.host))") }
    }

    /// Where a step's changes go when its line does not say.
    static func system(of step: String) -> MigrationReport.System {
        switch step {
        case "suspend-flux", "resume-flux": .flux
        case "edit-manifests": .git
        case "reboot-target": .proxmox
        default:
            if step.hasPrefix("remove-passthrough-") || step.hasPrefix("add-passthrough-") { .proxmox }
            else if step.hasPrefix("move-") { .person }
            else if step.hasPrefix("driver-") { .vm }
            else { .kubernetes }
        }
    }

    /// The system a line's first word names, if any.
    static func system(ofLine line: String) -> MigrationReport.System? {
        let first = line.split(separator: " ").first.map(String.init) ?? ""
        switch first {
        case "kubectl": return line.contains(" kustomization ") || line.contains(" helmrelease ") ? .flux : .kubernetes
        case "qm", "pvesh": return .proxmox
        case "flux": return .flux
        case "git", "edit": return .git
        case "ask:": return .person
        default: return nil
        }
    }
}
