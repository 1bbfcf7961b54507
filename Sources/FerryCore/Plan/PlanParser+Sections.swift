import FerryJSON

/// The list sections of a plan: devices, volumes, GitOps, manifest changes, drivers, checks.
extension PlanParser {
    static let usbKeys = ["name", "type", "ids", "port", "mapping", "usb3", "resource", "runtimeClass", "move"]
    static let pciKeys = ["name", "type", "ids", "subsystem", "mapping", "allFunctions", "pcie", "primaryGPU", "resource", "runtimeClass", "move"]

    static func readDevices(_ r: inout PlanReader) -> [MigrationPlan.Device] {
        guard let items = r.list(["devices"]) else { return [] }
        var devices: [MigrationPlan.Device] = []
        for index in items.indices {
            let path = ["devices", String(index)]
            guard let object = r.mapping(path, keys: Array(Set(usbKeys + pciKeys + ["address"])).sorted()) else { continue }
            if r.has(path + ["address"]) {
                r.report(.unknownKey, at: path + ["address"], onKey: true, "a PCI card is not named by its address: on another host it sits at another one",
                         hint: "name it by its ids, ids: [VENDOR:DEVICE] (`lspci -nn -s ADDRESS` on the host prints them in brackets)")
            }
            let name = r.string(path + ["name"], required: false) { PlanValidation.dnsLabel($0, what: "device name") }
                ?? (r.has(path + ["name"]) ? nil : "device-\(index)")
            let type = r.string(path + ["type"])
            let selector: MigrationPlan.Device.Selector?
            switch type {
            case "usb": selector = readUSB(&r, path, object)
            case "pci": selector = readPCI(&r, path, object)
            case nil: selector = nil
            case let other?:
                r.report(.invalidValue, at: path + ["type"], "\(PlanValidation.quoted(other)) is not a device type",
                         hint: "expected usb or pci")
                selector = nil
            }
            if let name, devices.contains(where: { $0.name == name }) {
                r.report(.conflict, at: path + ["name"], "device \"\(name)\" is listed twice", hint: "give each device its own name")
                continue
            }
            let resource = r.string(path + ["resource"], required: false) { text in
                ExtendedResource.isExtended(text) ? nil : PlanValidation.Failure(
                    message: "\(PlanValidation.quoted(text)) is not an extended resource",
                    hint: "write the resource the device plugin advertises, DOMAIN/NAME as the node's allocatable lists it, e.g. coral.ai/tpu")
            }
            if r.has(path + ["resource"]), resource == nil { continue }
            let runtimeClass = r.string(path + ["runtimeClass"], required: false) { PlanValidation.dnsSubdomain($0, what: "RuntimeClass name") }
            if r.has(path + ["runtimeClass"]), runtimeClass == nil { continue }
            let move = r.bool(path + ["move"]) ?? true
            if let name, let selector { devices.append(MigrationPlan.Device(name: name, selector: selector, resource: resource, runtimeClass: runtimeClass, move: move)) }
        }
        return devices
    }

    private static func rejectForeignKeys(_ r: inout PlanReader, _ path: [String], _ object: [String: JSON], type: String) {
        let own = type == "usb" ? usbKeys : pciKeys
        for key in object.keys.sorted() where !own.contains(key) && (usbKeys + pciKeys).contains(key) {
            r.report(.unknownKey, at: path + [key], onKey: true, "\"\(key)\" does not apply to a \(type) device",
                     hint: "a \(type) device takes: " + own.joined(separator: ", "))
        }
    }

    /// Exactly one of `keys` must be present.
    private static func oneOf(_ r: inout PlanReader, _ path: [String], _ keys: [String], what: String) -> Bool {
        let present = keys.filter { r.has(path + [$0]) }
        if present.count == 1 { return true }
        if present.isEmpty {
            r.report(.missing, at: path, "\(what) needs one of: " + keys.joined(separator: ", "))
        } else {
            r.report(.conflict, at: path + [present[1]], onKey: true,
                     "\(present.map { "\"\($0)\"" }.joined(separator: " and ")) cannot be used together",
                     hint: "keep one of them")
        }
        return false
    }

    private static func readUSB(
        _ r: inout PlanReader, _ path: [String], _ object: [String: JSON]
    ) -> MigrationPlan.Device.Selector? {
        rejectForeignKeys(&r, path, object, type: "usb")
        let chosen = oneOf(&r, path, ["ids", "port", "mapping"], what: "a USB device")
        var usb = MigrationPlan.USB(usb3: r.bool(path + ["usb3"]) ?? false)
        var ok = chosen
        if let ids = readIDs(&r, path, example: "1a6e:089a", PlanValidation.usbID) { usb.ids = ids } else { ok = false }
        usb.port = r.string(path + ["port"], required: false, PlanValidation.usbPort)
        usb.mapping = r.string(path + ["mapping"], required: false) { PlanValidation.dnsLabel($0, what: "resource mapping name") }
        if r.has(path + ["port"]) && usb.port == nil || r.has(path + ["mapping"]) && usb.mapping == nil { ok = false }
        return ok ? .usb(usb) : nil
    }

    /// `ids:` (when present): `VENDOR:PRODUCT` in hex, at least one; nil when any is wrong.
    private static func readIDs(
        _ r: inout PlanReader, _ path: [String], example: String, _ validate: (String) -> Result<String, PlanValidation.Failure>
    ) -> [String]? {
        guard let items = r.list(path + ["ids"]) else { return [] }
        if items.isEmpty { r.report(.invalidValue, at: path + ["ids"], "the list of ids is empty", hint: "e.g. [\(example)]") }
        var ids: [String] = []
        var ok = !items.isEmpty
        for index in items.indices {
            guard let text = r.string(path + ["ids", String(index)]) else { ok = false; continue }
            switch validate(text) {
            case .success(let id): ids.append(id)
            case .failure(let failure): r.report(failure, at: path + ["ids", String(index)]); ok = false
            }
        }
        return ok ? ids : nil
    }

    private static func readPCI(
        _ r: inout PlanReader, _ path: [String], _ object: [String: JSON]
    ) -> MigrationPlan.Device.Selector? {
        rejectForeignKeys(&r, path, object, type: "pci")
        var ok = oneOf(&r, path, ["ids", "mapping"], what: "a PCI device")
        var pci = MigrationPlan.PCI(
            allFunctions: r.bool(path + ["allFunctions"]) ?? true, pcie: r.bool(path + ["pcie"]) ?? false,
            primaryGPU: r.bool(path + ["primaryGPU"]) ?? false)
        if let ids = readIDs(&r, path, example: "10de:2484", PlanValidation.pciID) { pci.ids = ids } else { ok = false }
        if r.has(path + ["subsystem"]) {
            if let text = r.string(path + ["subsystem"]) {
                switch PlanValidation.pciID(text) {
                case .success(let id): pci.subsystem = id
                case .failure(let failure): r.report(failure, at: path + ["subsystem"]); ok = false
                }
            } else {
                ok = false
            }
        }
        pci.mapping = r.string(path + ["mapping"], required: false) { PlanValidation.dnsLabel($0, what: "resource mapping name") }
        if r.has(path + ["mapping"]) && pci.mapping == nil { ok = false }
        return ok ? .pci(pci) : nil
    }

    static func readVolumes(_ r: inout PlanReader) -> [MigrationPlan.Volume] {
        guard let items = r.list(["volumes"]) else { return [] }
        var volumes: [MigrationPlan.Volume] = []
        for index in items.indices {
            let path = ["volumes", String(index)]
            guard r.mapping(path, keys: ["claim", "action", "image"]) != nil else { continue }
            let claim = r.string(path + ["claim"]) { PlanValidation.dnsSubdomain($0, what: "PersistentVolumeClaim name") }
            let action = r.choice(path + ["action"], MigrationPlan.Volume.Action.self)
            let image = r.has(path + ["image"]) ? r.string(path + ["image"], PlanValidation.imageReference) : nil
            if let claim, volumes.contains(where: { $0.claim == claim }) {
                r.report(.conflict, at: path + ["claim"], "volume \"\(claim)\" is listed twice", hint: "keep one entry per claim")
                continue
            }
            guard let claim, action != nil || !r.has(path + ["action"]), image != nil || !r.has(path + ["image"]) else { continue }
            volumes.append(MigrationPlan.Volume(claim: claim, action: action ?? .move, image: image))
        }
        return volumes
    }

    static func readCronJobs(_ r: inout PlanReader) -> [MigrationPlan.CronJob] {
        guard let items = r.list(["cronJobs"]) else { return [] }
        var cronJobs: [MigrationPlan.CronJob] = []
        for index in items.indices {
            let path = ["cronJobs", String(index)]
            guard r.mapping(path, keys: ["name", "action"]) != nil else { continue }
            let name = r.string(path + ["name"]) { PlanValidation.dnsSubdomain($0, what: "CronJob name") }
            let action = r.choice(path + ["action"], MigrationPlan.CronJob.Action.self)
            if let name, cronJobs.contains(where: { $0.name == name }) {
                r.report(.conflict, at: path + ["name"], "CronJob \"\(name)\" is listed twice", hint: "keep one entry per CronJob")
                continue
            }
            guard let name, action != nil || !r.has(path + ["action"]) else { continue }
            cronJobs.append(MigrationPlan.CronJob(name: name, action: action ?? .pause))
        }
        return cronJobs
    }

    static func readGitOps(_ r: inout PlanReader) -> MigrationPlan.GitOps? {
        let keys = ["repo", "branch", "controller", "kustomization", "helmRelease", "pause", "gitRepository", "files"]
        guard r.mapping(["gitops"], keys: keys, required: false) != nil else { return nil }
        let repo = r.string(["gitops", "repo"], PlanParser.nonBlank)
        let branch = r.string(["gitops", "branch"], required: false)
        let controller = r.choice(["gitops", "controller"], MigrationPlan.GitOps.Controller.self)
        let kustomization = readRef(&r, ["gitops", "kustomization"], required: true)
        let helm = controller == .fluxHelmRelease
        let helmRelease = readRef(&r, ["gitops", "helmRelease"], required: helm)
        if helmRelease != nil, !helm {
            r.report(.conflict, at: ["gitops", "helmRelease"], "a helmRelease is named, but the controller is \(controller?.rawValue ?? "flux-kustomization")",
                     hint: "write controller: flux-helmrelease when a HelmRelease renders the workload, or remove helmRelease")
        }
        let pause = r.choice(["gitops", "pause"], MigrationPlan.GitOps.Pause.self)
        if let pause, (pause == .helmRelease) != helm {
            r.report(.conflict, at: ["gitops", "pause"],
                     helm ? "a HelmRelease is paused whole: pause \(pause.rawValue) does not apply to it"
                         : "pause helmRelease needs controller: flux-helmrelease",
                     hint: helm ? "write pause: helmRelease, or leave pause out" : "write pause: kustomization or objects")
        }
        let gitRepository = r.has(["gitops", "gitRepository"])
            ? readRef(&r, ["gitops", "gitRepository"], required: true) : MigrationPlan.ObjectRef(name: "flux-system")
        var files: [String] = []
        var filesOK = false
        if let items = r.list(["gitops", "files"], required: true) {
            filesOK = !items.isEmpty
            if items.isEmpty {
                r.report(.invalidValue, at: ["gitops", "files"], "the list of manifest files is empty",
                         hint: "list the files that define the workload, e.g. apps/frigate/deployment.yaml")
            }
            for index in items.indices {
                if let file = r.string(["gitops", "files", String(index)], PlanValidation.repoPath) {
                    files.append(file)
                } else {
                    filesOK = false
                }
            }
        }
        guard let repo, let kustomization, let gitRepository, filesOK, pause != nil || !r.has(["gitops", "pause"]),
            controller != nil || !r.has(["gitops", "controller"]), helmRelease != nil || !helm
        else { return nil }
        return MigrationPlan.GitOps(
            repo: repo, branch: branch, kustomization: kustomization, helmRelease: helm ? helmRelease : nil, pause: pause,
            gitRepository: gitRepository, files: files)
    }

    /// `namespace/name` or `name` (in flux-system).
    static func readRef(_ r: inout PlanReader, _ path: [String], required: Bool) -> MigrationPlan.ObjectRef? {
        guard let text = r.string(path, required: required) else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let ref = parts.count == 2 ? MigrationPlan.ObjectRef(namespace: parts[0], name: parts[1])
            : MigrationPlan.ObjectRef(name: parts[0])
        if parts.count > 2 || PlanValidation.dnsLabel(ref.namespace, what: "") != nil
            || PlanValidation.dnsSubdomain(ref.name, what: "") != nil
        {
            r.report(.invalidValue, at: path, "\(PlanValidation.quoted(text)) is not a Flux object reference",
                     hint: "expected NAMESPACE/NAME (DNS-1123 names), e.g. flux-system/frigate")
            return nil
        }
        return ref
    }
}
