import ArgumentParser
import FerryCore
import FerryRemote
import Foundation

/// `ferry run PLAN`: the whole migration, journaled step by step.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a migration plan: pre-flight, source, physical move, target, volumes, GitOps, deploy and verify.",
        discussion: """
            Every step is inspected before it runs and journaled before and after (in \
            .ferry/NAME.journal.json beside the plan, mode 0600). A failing pre-flight check \
            stops the run before anything changes. At the physical move, ferry says what to \
            unplug and where to plug it, and waits until the target host sees the device (or \
            you press Enter). After a failure or Ctrl-C, `ferry resume PLAN` continues and \
            `ferry rollback PLAN` undoes.

            \(CommandFailure.exitCodes)
            """)

    @OptionGroup var options: MigrationOptions

    @Flag(help: "Print every change the run would make (API calls, VM config lines, commands, edits) and change nothing.")
    var dryRun = false

    func run() async throws {
        let (plan, text) = options.loadPlan()
        let environment = options.environment(plan)
        let steps = MigrationSteps.make(environment)
        if dryRun {
            var diff: String?
            if !plan.manifestChanges.isEmpty {
                do {
                    diff = try await ManifestChanges.diff(environment)
                } catch {
                    diff = "(cannot show them: \(error))\n"
                }
            }
            print(MigrationDryRun.text(steps, diff: diff.map { ($0, environment.repositoryURL.path) }))
            await environment.connections.shutdown()
            return
        }
        try await MigrationExecution.perform(environment) { runner in
            try await runner.run(steps, migration: plan.name, plan: options.plan, planText: text)
        } options: { options }
    }
}

/// `ferry resume PLAN`
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a migration that stopped (a failure, Ctrl-C, a killed process).",
        discussion: """
            The step that was in flight is inspected again, never applied twice blindly. \
            It continues the plan the migration started with (kept in its journal); of an \
            edited plan file it takes the changes to verify and timeouts, and refuses any other.

            \(CommandFailure.exitCodes)
            """)

    @OptionGroup var options: MigrationOptions

    func run() async throws {
        let (plan, text, adopting) = options.planToResume()
        let environment = options.environment(plan)
        let steps = MigrationSteps.make(environment)
        try await MigrationExecution.perform(environment) { runner in
            try await runner.resume(steps, migration: plan.name, planText: text, adopting: adopting)
        } options: { options }
    }
}

/// `ferry rollback PLAN`
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Undo a migration's completed steps, last first, back to the workload on the source node.",
        discussion: """
            Reverts the Git commit and pushes, puts the labels and the passthrough back \
            (rebooting the source VM), re-binds the original volumes, asks you to move the \
            hardware back and waits for it on the source host, and ends with the workload \
            Ready on the source node. It undoes with the plan the migration ran (kept in \
            its journal), whatever the plan file says now.

            \(CommandFailure.exitCodes)
            """)

    @OptionGroup var options: MigrationOptions

    func run() async throws {
        let (plan, _) = options.planToRollBack()
        let environment = options.environment(plan)
        let steps = MigrationSteps.make(environment)
        try await MigrationExecution.perform(environment) { runner in
            try await runner.rollback(steps, migration: plan.name)
        } options: { options }
    }
}

/// Runs a runner call with the printer, Ctrl-C handling and exit codes shared by
/// run, resume and rollback.
enum MigrationExecution {
    static func perform(
        _ environment: MigrationEnvironment, _ body: @escaping @Sendable (Runner) async throws -> Journal,
        options: () -> MigrationOptions
    ) async throws {
        let options = options()
        let signals = SignalWaiter.install()
        let lease = await takeLease(environment, options: options)
        let printer = RunPrinter(json: options.json)
        let runner = Runner(store: options.store, observer: printer)
        let work = Task { try await body(runner) }
        let interrupt = Task {
            await signals.wait()
            work.cancel()
        }
        defer { interrupt.cancel() }
        let renewal = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(MigrationLease.duration / 3)) } catch { return }
                do {
                    try await lease.renew()
                } catch {
                    FileHandle.standardError.write(Data("warning: cannot renew the migration's Lease: \(error)\n".utf8))
                }
            }
        }
        let result = await work.result
        renewal.cancel()
        await lease.release()
        await environment.connections.shutdown()
        switch result {
        case .success(let journal):
            if options.json { printer.summary(MigrationSummary.json(journal)) } else { print("\n" + MigrationSummary.text(journal)) }
        case .failure(let error as RunnerError):
            if case .stepFailed = error {
                FileHandle.standardError.write(Data("\nError: \(error)\n\nFix it, then `ferry resume \(ShellQuoting.quote(options.plan))`; or undo with `ferry rollback \(ShellQuoting.quote(options.plan))`.\n".utf8))
                throw ExitCode(1)
            }
            CommandFailure.exit(error.description, code: 4)
        case .failure(let error as JournalError):
            CommandFailure.exit(error.description, code: 4)
        case .failure(is CancellationError):
            FileHandle.standardError.write(Data("\nInterrupted. `ferry resume \(ShellQuoting.quote(options.plan))` continues where this stopped.\n".utf8))
            throw ExitCode(130)
        case .failure(let error):
            CommandFailure.exit("\(error)", code: 1)
        }
    }
}

extension MigrationExecution {
    /// The workload's Lease (`MigrationLease`), before anything changes; exits 4 when
    /// another ferry holds it.
    static func takeLease(_ environment: MigrationEnvironment, options: MigrationOptions) async -> MigrationLease {
        let text = (try? String(contentsOf: options.planURL, encoding: .utf8)) ?? ""
        let lease = MigrationLease(
            kube: environment.connections.kube, workload: environment.plan.workload,
            holder: .init(host: ProcessInfo.processInfo.hostName, pid: getpid(), migration: environment.plan.name,
                          plan: options.planURL.standardizedFileURL.path, planDigest: Runner.digest(text)))
        do {
            if let warning = try await lease.acquire() { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        } catch let held as MigrationLease.Held {
            await environment.connections.shutdown()
            CommandFailure.exit(held.description, code: 4)
        } catch {
            await environment.connections.shutdown()
            CommandFailure.exit("cannot take the migration's Lease in namespace \(environment.plan.workload.namespace): \(error)", code: 1)
        }
        return lease
    }
}

/// `--dry-run`: the steps and every change each would make.
enum MigrationDryRun {
    /// With `diff`, the manifest edits as `git diff` will show them in the clone.
    static func text(_ steps: [any MigrationStep], diff: (text: String, clone: String)? = nil) -> String {
        var lines: [String] = []
        var phase: MigrationPhase?
        for step in steps {
            if step.phase != phase {
                lines.append("\n==> \(step.phase.rawValue)")
                phase = step.phase
            }
            lines.append("  \(step.title)   [\(step.id)]")
            if step.lane != .main { lines.append("      (\(step.lane.rawValue) lane: runs beside the steps after it, up to the first that needs it done)") }
            lines += step.describe().map { "      \($0)" }
        }
        if let diff {
            lines.append("\n==> The manifest edits, as `git diff` will show them in \(diff.clone)\n")
            lines.append(diff.text.trimmingCharacters(in: .newlines))
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n\nDry run: nothing was changed."
    }
}

/// The end of a run, resume or rollback: what happened, phase by phase, with the
/// times that command's steps took, the workload's downtime and the commit.
enum MigrationSummary {
    static func text(_ journal: Journal) -> String {
        let undoing = journal.status.isRollback
        var lines = ["Migration \(journal.migration): \(journal.status.rawValue)."]
        var byPhase: [(MigrationPhase, Double)] = []
        for entry in journal.entries {
            let times = undoing ? (entry.undoStartedAt, entry.undoEndedAt) : (entry.startedAt, entry.endedAt)
            guard let start = times.0, let end = times.1 else { continue }
            let seconds = end.timeIntervalSince(start)
            if let index = byPhase.firstIndex(where: { $0.0 == entry.phase }) { byPhase[index].1 += seconds } else { byPhase.append((entry.phase, seconds)) }
        }
        for (phase, seconds) in byPhase {
            lines.append("  \(phase.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%.1fs", seconds))")
        }
        if !undoing, let downtime = Downtime(journal) {
            // Scale-down to Ready on the target (docs/OUTPUT.md); one line in 80 columns.
            lines.append("  Downtime             \(RunPrinter.seconds(downtime.total)), "
                + "\(RunPrinter.seconds(downtime.withoutMove)) without the physical move")
        }
        if let commit = journal.commit {
            lines.append("  Commit               \(commit.id.prefix(12))\(commit.reverted ? " (reverted)" : "")")
        }
        if let method = journal.targetAccess { lines.append("  Target VM reached by \(method == "ssh" ? "SSH" : "the QEMU guest agent").") }
        return lines.joined(separator: "\n")
    }

    /// The same as the last line of `--json`'s event stream.
    static func json(_ journal: Journal) -> [String: Any] {
        var object: [String: Any] = [
            "event": "summary", "migration": journal.migration, "status": journal.status.rawValue,
        ]
        if let downtime = Downtime(journal), !journal.status.isRollback {
            object["downtimeSeconds"] = RunPrinter.secondsValue(downtime.total)
            object["downtimeWithoutMoveSeconds"] = RunPrinter.secondsValue(downtime.withoutMove)
            object["moveWaitSeconds"] = RunPrinter.secondsValue(downtime.moveWait)
        }
        if let commit = journal.commit { object["commit"] = commit.id; object["commitReverted"] = commit.reverted }
        if let method = journal.targetAccess { object["targetAccess"] = method }
        return object
    }
}
