import FerryJSON

/// The sections that say what to change and how to check it: manifest changes,
/// drivers and verification checks.
extension PlanParser {
    static func readManifestChanges(_ r: inout PlanReader, gitops: MigrationPlan.GitOps?) -> [MigrationPlan.ManifestChange] {
        guard let items = r.list(["manifestChanges"]) else { return [] }
        var changes: [MigrationPlan.ManifestChange] = []
        for index in items.indices {
            let path = ["manifestChanges", String(index)]
            let keys = ["file", "document", "path", "set", "remove", "replace"]
            guard r.mapping(path, keys: keys) != nil else { continue }
            var ok = true
            let file = r.string(path + ["file"], PlanValidation.repoPath)
            if let file, let gitops, !gitops.files.contains(file) {
                r.report(.conflict, at: path + ["file"], "\(PlanValidation.quoted(file)) is not one of gitops.files",
                         hint: "add it to gitops.files, or fix the name: " + gitops.files.joined(separator: ", "))
                ok = false
            } else if file != nil, !r.has(["gitops"]) {
                r.report(.conflict, at: path + ["file"], "manifest changes need a gitops section",
                         hint: "add gitops with the repository and the files it changes")
                ok = false
            }
            let document = r.string(path + ["document"], required: false, documentSelector)
            if document == nil, r.has(path + ["document"]) { ok = false }
            let segments = readPath(&r, path)
            if segments == nil { ok = false }
            guard let edit = readEdit(&r, path), let file, let segments, ok else { continue }
            changes.append(MigrationPlan.ManifestChange(file: file, document: document, path: segments, edit: edit))
        }
        return changes
    }

    /// Live edits are for a workload nothing else applies: with GitOps, Flux would put
    /// the objects back, so the edits belong in `manifestChanges`.
    static func readLiveChanges(_ r: inout PlanReader) -> [MigrationPlan.LiveChange] {
        guard let items = r.list(["liveChanges"]) else { return [] }
        if !items.isEmpty, r.has(["gitops"]) {
            r.report(.conflict, at: ["liveChanges"], onKey: true, "live changes are for a workload without GitOps: Flux would put the objects back",
                     hint: "write them as manifestChanges on the files in gitops.files")
        }
        var changes: [MigrationPlan.LiveChange] = []
        for index in items.indices {
            let path = ["liveChanges", String(index)]
            guard r.mapping(path, keys: ["object", "path", "set", "remove", "replace"]) != nil else { continue }
            let object = r.string(path + ["object"], liveObject).flatMap(MigrationPlan.LiveObject.init(parsing:))
            let segments = readPath(&r, path)
            guard let edit = readEdit(&r, path), let object, let segments else { continue }
            changes.append(MigrationPlan.LiveChange(object: object, path: segments, edit: edit))
        }
        return changes
    }

    /// A change's `path`: a list of keys, each one checked.
    private static func readPath(_ r: inout PlanReader, _ path: [String]) -> [String]? {
        if let text = r.value(path + ["path"])?.stringValue {
            r.report(.wrongType, at: path + ["path"], "expected a list of keys, found a string (\(PlanValidation.quoted(text)))",
                     hint: pathHint)
            return nil
        }
        guard let parts = r.list(path + ["path"], required: true) else { return nil }
        if parts.isEmpty {
            r.report(.invalidValue, at: path + ["path"], "the path is empty", hint: pathHint)
            return nil
        }
        var segments: [String] = []
        var ok = true
        for part in parts.indices {
            if let segment = r.string(path + ["path", String(part)], pathComponent) { segments.append(segment) } else { ok = false }
        }
        return ok ? segments : nil
    }

    /// `KIND/NAME` of a kind ferry edits live.
    static func liveObject(_ text: String) -> PlanValidation.Failure? {
        let kinds = MigrationPlan.LiveObject.Kind.allCases.map(\.rawValue)
        guard let object = MigrationPlan.LiveObject(parsing: text) else {
            return PlanValidation.Failure(
                message: "\(PlanValidation.quoted(text)) is not an object ferry edits live",
                hint: "write KIND/NAME with KIND one of \(kinds.joined(separator: ", ")), e.g. Deployment/frigate")
        }
        if let problem = PlanValidation.dnsSubdomain(object.name, what: "object name") { return problem }
        return nil
    }

    /// Applies the rules of docs/PLAN.md that need the plan file's place: `repo` with `~`
    /// expanded and a relative path taken from the plan's directory; and checks the
    /// branch, which reaches `git push` as an argument.
    static func resolveGitOps(
        _ r: inout PlanReader, _ gitops: MigrationPlan.GitOps, directory: String, home: String
    ) -> MigrationPlan.GitOps {
        var gitops = gitops
        if gitops.repo.hasPrefix("~"), gitops.repo != "~", !gitops.repo.hasPrefix("~/") {
            r.report(.invalidValue, at: ["gitops", "repo"], "ferry expands only \"~\" and \"~/\" (your own home directory)",
                     hint: "write the full path of the clone, e.g. /home/NAME/" + gitops.repo.drop { $0 != "/" }.dropFirst())
        }
        gitops.repoDirectory = MigrationPlan.GitOps.resolve(repo: gitops.repo, directory: directory, home: home)
        if let branch = gitops.branch, let problem = branchProblem(branch) {
            r.report(.invalidValue, at: ["gitops", "branch"], "\(PlanValidation.quoted(branch)) is not a branch name git accepts: \(problem)",
                     hint: "write the branch as `git branch` shows it, e.g. main, or leave branch out for the clone's current branch")
        }
        return gitops
    }

    /// The rules of `git check-ref-format --branch` that a hand-written name can break.
    static func branchProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.hasPrefix("-") { return "it starts with \"-\"" }
        if name.hasPrefix("/") || name.hasSuffix("/") || name.contains("//") { return "it has an empty part between slashes" }
        if name.hasSuffix(".") || name.hasSuffix(".lock") { return "it ends with \".\" or \".lock\"" }
        if name.contains("..") || name.contains("@{") || name == "@" { return "it contains \"..\" or \"@{\"" }
        if name.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return "a part starts with \".\"" }
        if let bad = name.first(where: { " ~^:?*[\\".contains($0) || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } == true }) {
            return "it contains \(bad == " " ? "a space" : "\"\(bad)\"")"
        }
        return nil
    }

    /// A key (any text, `kubernetes.io/hostname` included), an index (`0`), or a list
    /// item chosen by one of its fields (`name=frigate`, split at the first `=`).
    static func pathComponent(_ text: String) -> PlanValidation.Failure? {
        if text.isEmpty { return PlanValidation.Failure(message: "a path component is empty", hint: pathHint) }
        guard let equals = text.firstIndex(of: "=") else { return nil }
        if equals == text.startIndex || text.index(after: equals) == text.endIndex {
            return PlanValidation.Failure(
                message: "\(PlanValidation.quoted(text)) is not a list item selector",
                hint: "write FIELD=VALUE with both sides, e.g. name=frigate")
        }
        return nil
    }

    /// `KIND/NAME`, e.g. `Deployment/frigate`.
    static func documentSelector(_ text: String) -> PlanValidation.Failure? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), !parts[0].isEmpty,
            PlanValidation.dnsSubdomain(String(parts[1]), what: "") == nil
        else {
            return PlanValidation.Failure(
                message: "\(PlanValidation.quoted(text)) does not name a document",
                hint: "write KIND/NAME as kubectl does, e.g. Deployment/frigate")
        }
        return nil
    }

    static let pathHint = "write the path as a list of keys, e.g. [spec, template, spec, nodeSelector, kubernetes.io/hostname]"

    private static func readEdit(_ r: inout PlanReader, _ path: [String]) -> MigrationPlan.ManifestChange.Edit? {
        let present = ["set", "remove", "replace"].filter { r.has(path + [$0]) }
        guard present.count == 1 else {
            if present.isEmpty {
                r.report(.missing, at: path, "a manifest change needs one of: set, remove, replace")
            } else {
                r.report(.conflict, at: path + [present[1]], onKey: true,
                         "\(present.map { "\"\($0)\"" }.joined(separator: " and ")) cannot be used together",
                         hint: "write one change per entry")
            }
            return nil
        }
        switch present[0] {
        case "set":
            return r.string(path + ["set"]).map { .set($0) }
        case "remove":
            guard let flag = r.bool(path + ["remove"]) else { return nil }
            if !flag {
                r.report(.invalidValue, at: path + ["remove"], "remove: false changes nothing",
                         hint: "write remove: true, or delete the entry")
                return nil
            }
            return .remove
        default:
            guard r.mapping(path + ["replace"], keys: ["from", "to"]) != nil else { return nil }
            let from = r.string(path + ["replace", "from"])
            let to = r.string(path + ["replace", "to"])
            if from == "" {
                r.report(.invalidValue, at: path + ["replace", "from"], "the text to replace is empty")
                return nil
            }
            guard let from, let to else { return nil }
            return .replace(from: from, to: to)
        }
    }

    static func readDrivers(_ r: inout PlanReader) -> [MigrationPlan.Driver] {
        guard let items = r.list(["drivers"]) else { return [] }
        var drivers: [MigrationPlan.Driver] = []
        for index in items.indices {
            let path = ["drivers", String(index)]
            guard r.mapping(path, keys: ["name", "check", "install"]) != nil else { continue }
            let name = r.string(path + ["name"]) { PlanValidation.dnsSubdomain($0, what: "driver name") }
            let check = r.string(path + ["check"], nonBlank)
            let install = r.string(path + ["install"], required: false, nonBlank)
            guard let name, let check, install != nil || !r.has(path + ["install"]) else { continue }
            drivers.append(MigrationPlan.Driver(name: name, check: check, install: install))
        }
        return drivers
    }

    /// Commands, log lines and paths must say something.
    static func nonBlank(_ text: String) -> PlanValidation.Failure? {
        text.allSatisfy(\.isWhitespace) ? PlanValidation.Failure(message: "the value is empty", hint: nil) : nil
    }

    static func readChecks(_ r: inout PlanReader) -> [MigrationPlan.Check] {
        guard let items = r.list(["verify"]) else { return [] }
        var checks: [MigrationPlan.Check] = []
        for index in items.indices {
            let path = ["verify", String(index)]
            let keys = ["log", "http", "command", "container", "from", "status", "timeout"]
            guard r.mapping(path, keys: keys) != nil else { continue }
            let present = ["log", "http", "command"].filter { r.has(path + [$0]) }
            let container = r.string(path + ["container"], required: false) { PlanValidation.dnsLabel($0, what: "container name") }
            let timeout = r.duration(path + ["timeout"])
            var ok = (container != nil || !r.has(path + ["container"])) && (timeout != nil || !r.has(path + ["timeout"]))
            if present.count != 1 {
                if present.isEmpty {
                    r.report(.missing, at: path, "a check needs one of: log, http, command")
                } else {
                    r.report(.conflict, at: path + [present[1]], onKey: true,
                             "\(present.map { "\"\($0)\"" }.joined(separator: " and ")) cannot be used together",
                             hint: "write one check per entry")
                }
                continue
            }
            if present[0] != "http" {
                for key in ["from", "status"] where r.has(path + [key]) {
                    r.report(.unknownKey, at: path + [key], onKey: true, "\"\(key)\" applies only to an http check")
                    ok = false
                }
            }
            let kind: MigrationPlan.Check.Kind?
            switch present[0] {
            case "log": kind = r.string(path + ["log"], nonBlank).map { .log($0) }
            case "command": kind = r.string(path + ["command"], nonBlank).map { .command($0) }
            default:
                let url = r.string(path + ["http"], PlanValidation.httpURL)
                let origin = r.choice(path + ["from"], MigrationPlan.Check.Origin.self)
                var status = r.int(path + ["status"], required: false)
                if let code = status, !(100...599).contains(code) {
                    r.report(.invalidValue, at: path + ["status"], "\(code) is not an HTTP status", hint: "expected 100 to 599, e.g. 200")
                    status = nil
                }
                if r.has(path + ["from"]) && origin == nil || r.has(path + ["status"]) && status == nil { ok = false }
                kind = url.map { .http(url: $0, from: origin ?? .cluster, status: status ?? 200) }
            }
            if let kind, ok { checks.append(MigrationPlan.Check(kind, container: container, timeout: timeout)) }
        }
        return checks
    }
}
