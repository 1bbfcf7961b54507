import Foundation

extension MigrationReport {
    /// The report as Markdown, for a person and for a pull request or wiki page: the
    /// blueprint's action log and lessons-learned table, written by the tool. Times
    /// of day are in `timeZone`, which the header names.
    public func markdown(timeZone: TimeZone = .current) -> String {
        let clock = ReportClock(timeZone: timeZone)
        var out: [String] = ["# Migration \(migration): \(status.rawValue)", ""]
        out += header(clock)
        out += ["", "## Outcome", ""] + outcomeLines()
        out += ["", "## Timeline", ""] + timelineLines(clock)
        out += ["", "## Downtime", ""] + downtimeLines(clock)
        out += ["", "## Changes by system", ""] + changeLines()
        out += ["", "## Commit", ""] + commitLines()
        out += ["", "## Volumes", ""] + volumeLines()
        if let flux { out += ["", "## Flux", ""] + fluxLines(flux, clock) }
        if !notes.isEmpty { out += ["", "## Notes", ""] + notes.map { "- \($0)" } }
        return out.joined(separator: "\n") + "\n"
    }

    private func header(_ clock: ReportClock) -> [String] {
        func side(_ side: Side) -> String { "node `\(side.node)` (VM \(side.vmid) `\(side.vm)` on Proxmox host `\(side.host)`)" }
        var rows = [
            ("Workload", "`\(workload)`"),
            ("From", side(source)),
            ("To", side(target)),
            ("Devices", devices.isEmpty ? "none" : devices.joined(separator: ", ")),
            ("Status", "**\(status.rawValue)**"),
            ("Started", clock.full(startedAt)),
            ("Ended", endedAt.map(clock.full) ?? "not yet"),
        ]
        if let targetAccess { rows.append(("Target VM reached by", targetAccess)) }
        if let downtime { rows.append(("Downtime", "\(ReportClock.duration(downtime.total)) (\(ReportClock.duration(downtime.withoutMove)) without the wait for the physical move)")) }
        return ["| | |", "| --- | --- |"] + rows.map { "| \($0.0) | \(Self.cell($0.1)) |" }
            + ["", "Times of day are \(clock.zoneName)."]
    }

    private func outcomeLines() -> [String] {
        var lines = [outcome.summary]
        if let error = outcome.error { lines += ["", "The error:", "", "```text", error, "```"] }
        if !outcome.undone.isEmpty {
            let titles = outcome.undone.map { id in timeline.first { $0.step == id }.map { "\($0.title) (`\(id)`)" } ?? "`\(id)`" }
            lines += ["", "The rollback undid, in this order:", ""] + titles.enumerated().map { "\($0.offset + 1). \($0.element)" }
        }
        if let next = outcome.next { lines += ["", "Next: \(next)"] }
        return lines
    }

    private func timelineLines(_ clock: ReportClock) -> [String] {
        var lines = ["| Started | Step | Took | Outcome |", "| --- | --- | --- | --- |"]
        var phase: MigrationPhase?
        for record in timeline {
            if record.phase != phase {
                lines.append("| | **\(record.phase.rawValue)** | | |")
                phase = record.phase
            }
            var outcome = record.status?.rawValue ?? "not reached"
            if record.status == .undone, let undo = record.undoDuration { outcome += " (undo took \(ReportClock.duration(undo)))" }
            if let method = record.method { outcome += ", VM commands by \(method)" }
            lines.append("| \(record.startedAt.map(clock.time) ?? "") | \(Self.cell(record.title)) (`\(record.step)`) | "
                + "\(record.duration.map(ReportClock.duration) ?? "") | \(outcome) |")
        }
        let failed = timeline.filter { !$0.failures.isEmpty }
        guard !failed.isEmpty else { return lines + ["", "No step failed."] }
        lines += ["", "### What went wrong and how it ended", "", "| Step | What happened | How it ended |", "| --- | --- | --- |"]
        for record in failed {
            let (happened, ended) = history(record, clock)
            lines.append("| `\(record.step)` | \(Self.cell(happened)) | \(Self.cell(ended)) |")
        }
        return lines
    }

    /// Each failure in order, then how the step ended after the last.
    private func history(_ record: StepRecord, _ clock: ReportClock) -> (String, String) {
        let happened = record.failures.map { failure in
            let when = failure.at.map { " at \(clock.time($0))" } ?? ""
            let what = failure.message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
            return (failure.duringRollback ? "undo failed" : "failed") + "\(when): \(what)"
        }.joined(separator: "; ")
        var ended: [String] = []
        let lastRun = record.failures.last { !$0.duringRollback }
        if let end = record.endedAt, [.done, .alreadyDone, .undone, .undoing].contains(record.status),
            lastRun.map({ $0.at.map { end.timeIntervalSince($0) > 0.001 } ?? true }) ?? false
        {
            ended.append("done at \(clock.time(end)) after `ferry resume`")
        }
        switch record.status {
        case .undone:
            let again = record.failures.last?.duringRollback == true ? " after `ferry rollback` again" : " by `ferry rollback`"
            ended.append("undone at \(record.undoEndedAt.map(clock.time) ?? "?")\(again)")
        case .failed: ended.append("still failed: fix it, then `ferry resume` (or `ferry rollback`)")
        case .undoing: ended.append("its undo still failed: fix it, then `ferry rollback` again")
        case .started: ended.append("in flight, or killed: `ferry resume` inspects it again")
        default: break
        }
        return (happened, ended.isEmpty ? record.status?.rawValue ?? "" : ended.joined(separator: "; "))
    }

    private func downtimeLines(_ clock: ReportClock) -> [String] {
        let scaleDown = timeline.first { $0.step == "scale-down" }?.startedAt
        guard let downtime else {
            var lines = ["The workload was not Ready on \(target.node) after the scale-down, so there is no downtime to give yet."]
            if let scaleDown { lines.append("It has been down since the scale-down at \(clock.time(scaleDown)), unless a rollback brought it back.") }
            if moveWait > .zero { lines.append("The wait for the physical move took \(ReportClock.duration(moveWait)).") }
            return lines
        }
        let ready = timeline.last { $0.step == "wait-ready" }?.endedAt
        return [
            "- From the scale-down\(scaleDown.map { " (\(clock.time($0)))" } ?? "") to the workload Ready on \(target.node)"
                + "\(ready.map { " (\(clock.time($0)))" } ?? ""): **\(ReportClock.duration(downtime.total))**.",
            "- The wait for the person at the physical move: \(ReportClock.duration(downtime.moveWait)).",
            "- ferry's own steps: \(ReportClock.duration(downtime.withoutMove)).",
        ]
    }

    private func changeLines() -> [String] {
        guard !changes.isEmpty else { return ["Nothing was changed."] }
        var lines = ["Each change as the command a person would type, with what the journal recorded (`#` lines).", ""]
        for group in changes {
            lines += ["### \(group.system.rawValue)", ""]
            for change in group.changes {
                let note: String = switch change.status {
                case .undone: "; undone by the rollback"
                case .failed, .started: "; did not finish, may be partly made"
                case .undoing: "; its undo did not finish"
                default: ""
                }
                lines += ["\(change.title) (`\(change.step)`\(note)):", "", "```sh"] + change.commands + ["```", ""]
            }
        }
        return Array(lines.dropLast())
    }

    private func commitLines() -> [String] {
        guard let commit else { return ["No commit was made."] }
        var lines = ["Commit `\(commit.id)` in `\(commit.repository)`\(commit.revert.map { ", reverted by `\($0)` in the rollback" } ?? "")."]
        if let diff = commit.diff {
            lines += ["", "```diff", diff.trimmingCharacters(in: .newlines), "```"]
        } else if let why = commit.unavailable {
            lines += ["", "Its diff is not shown: \(why)."]
        }
        return lines
    }

    private func volumeLines() -> [String] {
        guard !volumes.isEmpty else { return ["The plan moves no volume."] }
        var lines = ["| Claim | Action | Original PV | Copy PV | Entries verified | State |", "| --- | --- | --- | --- | --- | --- |"]
        for volume in volumes {
            let original = volume.originalPV.map { "`\($0)`\(volume.originalPolicy.map { " (was \($0))" } ?? "")" } ?? ""
            lines.append("| `\(volume.claim)` | \(volume.action) | \(original) | \(volume.copyPV.map { "`\($0)`" } ?? "") | "
                + "\(volume.verifiedEntries.map(String.init) ?? "") | \(Self.cell(volume.state)) |")
        }
        lines += ["", "Entries verified: files, directories and links whose type, mode, owner, size, times and SHA-256 "
            + "were listed alike on both nodes by the final check. ferry does not record bytes copied in the journal."]
        return lines
    }

    private func fluxLines(_ flux: Flux, _ clock: ReportClock) -> [String] {
        let suspended = flux.suspendedAt.map { "suspended at \(clock.time($0)) (annotated `ferry.dev/suspended-by`)" }
            ?? "not suspended by ferry"
        let resumed = flux.resumedAt.map { "resumed at \(clock.time($0)) by \(flux.resumedBy ?? "ferry")" }
            ?? (flux.suspendedAt == nil ? "" : "not resumed yet: it stays suspended until `ferry resume` or `ferry rollback`")
        let object = flux.helmRelease.map { "HelmRelease `\($0)`" } ?? "Kustomization `\(flux.kustomization)`"
        return ["\(object): \(suspended)\(resumed.isEmpty ? "" : "; \(resumed)")."]
    }

    /// A table cell: one line, pipes escaped.
    static func cell(_ text: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            .replacingOccurrences(of: "|", with: "\\|")
    }
}
