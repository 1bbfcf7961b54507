import FerryJSON

/// Reads a plan file (docs/PLAN.md) into a `MigrationPlan`, checking every field.
///
/// All problems are collected and thrown together, each with `file:line:column`:
///
/// ```swift
/// do {
///     let plan = try PlanParser.parse(text, file: "migration.yaml")
/// } catch {
///     print(error)   // migration.yaml:7:9: source.vmid: 10 is not a valid VMID: Proxmox VMIDs are 100 to 999999999
/// }
/// ```
public enum PlanParser {
    static let topKeys = [
        "apiVersion", "kind", "metadata", "workload", "source", "target", "devices", "nodeLabel", "volumes", "cronJobs", "gitops",
        "manifestChanges", "liveChanges", "drivers", "verify", "timeouts",
    ]

    /// `directory` is the plan file's directory, which a relative `gitops.repo` is taken
    /// from (default: the directory part of `file`, so `plans/m.yaml` gives `plans` and
    /// `m.yaml` the working directory); `home` is what `~` means (default: the current
    /// user's home).
    public static func parse(
        _ text: String, file: String, directory: String? = nil, home: String? = nil
    ) throws(PlanError) -> MigrationPlan {
        let document: YAMLDocument
        do {
            document = try YAMLDocument.parse(text)
        } catch {
            let problem = PlanProblem(
                kind: .syntax, file: file, line: error.line ?? 1, column: error.column ?? 1, path: "",
                message: error.problem, hint: error.hint ?? "the file is not valid YAML")
            throw PlanError(file: file, problems: [problem])
        }
        var reader = PlanReader(document: document, file: file)
        var plan = read(&reader)
        if let gitops = plan?.gitops {
            plan?.gitops = resolveGitOps(
                &reader, gitops, directory: directory ?? directoryPart(of: file), home: home ?? MigrationPlan.GitOps.currentHome)
        }
        guard reader.problems.isEmpty, let plan else {
            let sorted = reader.problems.enumerated().sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            throw PlanError(file: file, problems: sorted.map(\.element))
        }
        return plan
    }

    /// `plans/m.yaml` -> `plans`, `/m.yaml` -> `/`, `m.yaml` -> empty (the working directory).
    static func directoryPart(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "" }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    /// Reads every section even when an earlier one failed, so that all problems are found.
    static func read(_ r: inout PlanReader) -> MigrationPlan? {
        if r.document.root == .null {
            r.report(.missing, at: [], "the plan is empty", hint: "start from the example in docs/PLAN.md")
            return nil
        }
        guard r.mapping([], keys: topKeys) != nil else { return nil }
        if let apiVersion = r.string(["apiVersion"]), apiVersion != MigrationPlan.apiVersion {
            r.report(.invalidValue, at: ["apiVersion"], "\(PlanValidation.quoted(apiVersion)) is not a plan version ferry reads",
                     hint: "expected \(MigrationPlan.apiVersion)")
        }
        if let kind = r.string(["kind"]), kind != MigrationPlan.kind {
            r.report(.invalidValue, at: ["kind"], "\(PlanValidation.quoted(kind)) is not a plan",
                     hint: "expected \(MigrationPlan.kind)")
        }
        _ = r.mapping(["metadata"], keys: ["name"])
        let name = r.has(["metadata"]) ? r.string(["metadata", "name"]) {
            PlanValidation.dnsSubdomain($0, what: "plan name")
        } : nil
        let workload = readWorkload(&r)
        let source = readEndpoint(&r, "source")
        let target = readEndpoint(&r, "target")
        if let source, let target, source.node == target.node || source.vmid == target.vmid && source.host == target.host {
            r.report(.conflict, at: ["target"], "the target is the source (\(source.node), VM \(source.vmid) on \(source.host))",
                     hint: "name the node the workload should move to")
        }
        let devices = readDevices(&r)
        let nodeLabel = readNodeLabel(&r)
        let volumes = readVolumes(&r)
        let cronJobs = readCronJobs(&r)
        let gitops = readGitOps(&r)
        let changes = readManifestChanges(&r, gitops: gitops)
        let liveChanges = readLiveChanges(&r)
        let drivers = readDrivers(&r)
        let verify = readChecks(&r)
        let timeouts = readTimeouts(&r)
        guard let name, let workload, let source, let target else { return nil }
        return MigrationPlan(
            name: name, workload: workload, source: source, target: target, devices: devices, nodeLabel: nodeLabel,
            volumes: volumes, cronJobs: cronJobs, gitops: gitops, manifestChanges: changes, liveChanges: liveChanges, drivers: drivers, verify: verify,
            timeouts: timeouts)
    }

    static func readWorkload(_ r: inout PlanReader) -> MigrationPlan.Workload? {
        guard r.mapping(["workload"], keys: ["namespace", "kind", "name"]) != nil else { return nil }
        let namespace = r.string(["workload", "namespace"]) { PlanValidation.dnsLabel($0, what: "namespace") }
        let kind = r.choice(["workload", "kind"], MigrationPlan.Workload.Kind.self)
        let kindIsBad = r.has(["workload", "kind"]) && kind == nil
        let name = r.string(["workload", "name"]) { PlanValidation.dnsSubdomain($0, what: "workload name") }
        guard let namespace, let name, !kindIsBad else { return nil }
        return MigrationPlan.Workload(namespace: namespace, kind: kind ?? .deployment, name: name)
    }

    static func readEndpoint(_ r: inout PlanReader, _ side: String) -> MigrationPlan.Endpoint? {
        guard r.mapping([side], keys: ["node", "vm", "vmid", "host"]) != nil else { return nil }
        let node = r.string([side, "node"]) { PlanValidation.dnsSubdomain($0, what: "node name") }
        let vm = r.string([side, "vm"]) { PlanValidation.dnsSubdomain($0, what: "VM name") }
        var vmid = r.int([side, "vmid"])
        if let id = vmid, let failure = PlanValidation.vmid(id) {
            r.report(failure, at: [side, "vmid"])
            vmid = nil
        }
        let host = r.string([side, "host"]) { PlanValidation.dnsLabel($0, what: "Proxmox host name") }
        guard let node, let vm, let vmid, let host else { return nil }
        return MigrationPlan.Endpoint(node: node, vm: vm, vmid: vmid, host: host)
    }

    static func readNodeLabel(_ r: inout PlanReader) -> MigrationPlan.NodeLabel? {
        guard r.mapping(["nodeLabel"], keys: ["key", "value", "setBy"], required: false) != nil else { return nil }
        let key = r.string(["nodeLabel", "key"], PlanValidation.labelKey)
        let value = r.string(["nodeLabel", "value"], PlanValidation.labelValue)
        let setBy = r.choice(["nodeLabel", "setBy"], MigrationPlan.NodeLabel.SetBy.self)
        guard let key, let value, setBy != nil || !r.has(["nodeLabel", "setBy"]) else { return nil }
        return MigrationPlan.NodeLabel(key: key, value: value, setBy: setBy ?? .ferry)
    }

    static func readTimeouts(_ r: inout PlanReader) -> MigrationPlan.Timeouts {
        var timeouts = MigrationPlan.Timeouts()
        guard let object = r.mapping(["timeouts"], keys: MigrationPlan.Timeouts.keys, required: false) else {
            return timeouts
        }
        for key in MigrationPlan.Timeouts.keys where object[key] != nil {
            if let duration = r.duration(["timeouts", key]) { timeouts[key] = duration }
        }
        return timeouts
    }
}
