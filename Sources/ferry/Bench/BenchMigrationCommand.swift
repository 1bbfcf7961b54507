import ArgumentParser
import FerryCore
import FerryLab
import Foundation

/// Whole migrations of the reference scenario, each in a new lab, timing the
/// workload's downtime (issue: within 2 s of the floor the lab imposes).
struct BenchMigrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migration",
        abstract: "Time the workload's downtime over whole migrations in the lab.",
        discussion: """
            Downtime is measured twice: by a client watching Frigate's pods (from the last \
            Ready pod on the source node to the first on the target) and from the journal \
            (scale-down start to wait-ready end). Both leave out the wait for the physical \
            move. The floor is what the lab's timing imposes on any migration: the target \
            VM's reboot and the container's start (with --hotplug, the container's start \
            alone).
            """)

    @Option(help: "How many migrations to run (each in a new lab).")
    var runs = 3

    @Flag(help: "Let the target VM hot-plug USB (Proxmox's defaults), so that it does not reboot.")
    var hotplug = false

    @Option(help: "Seconds the lab's hands take to move the Coral, as a person does (0: at once).")
    var moveSeconds = 0

    func validate() throws {
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be between 1 and 50") }
        guard (0...600).contains(moveSeconds) else { throw ValidationError("--move-seconds must be between 0 and 600") }
    }

    func run() async throws {
        let timing = LabConfiguration.Timing()
        let floor = hotplug ? timing.containerStart : timing.downtimeFloor
        let target = hotplug ? "a target VM that hot-plugs USB" : "a target VM that reboots"
        BenchFormat.say("ferry bench migration: \(runs) run(s) of the frigate-coral migration to \(target); the lab's floor is \(BenchFormat.seconds(floor))")
        var watched: [Duration] = []
        var steps: [Result.Step] = []
        for index in 1...runs {
            let result = try await LabSession.with(in: LabSession.temporaryDirectory("bench"), keep: false) { [hotplug, moveSeconds] session in
                // The scenario's VM 108 has `hotplug: network,disk`; unset, it is Proxmox's default.
                if hotplug { try await session.homelab.updateConfig(108, set: [:], delete: ["hotplug"]) }
                return try await Self.migrate(session, moveTime: .seconds(moveSeconds))
            }
            watched.append(result.watched)
            steps = result.steps
            BenchFormat.say("  run \(index): downtime \(BenchFormat.seconds(result.watched)) watched, \(BenchFormat.seconds(result.journaled)) by the journal; "
                + "whole run \(BenchFormat.seconds(result.total)) (\(BenchFormat.seconds(result.moveWait)) of it waiting for the move)")
        }
        let median = BenchFormat.median(watched)
        BenchFormat.say("median downtime \(BenchFormat.seconds(median)): \(BenchFormat.seconds(median - floor)) above the floor of \(BenchFormat.seconds(floor))")
        BenchFormat.say("where the last run's downtime went (steps from scale-down to wait-ready: start after scale-down, time, step; the volumes' lane beside the main steps):")
        for step in steps {
            let lane = step.lane == .main ? "" : "  (\(step.lane.rawValue) lane)"
            BenchFormat.say("  +\(BenchFormat.seconds(step.start))  \(BenchFormat.seconds(step.time))  \(step.step)\(lane)")
        }
    }

    struct Result: Sendable {
        var watched: Duration
        var journaled: Duration
        var total: Duration
        var moveWait: Duration
        /// The steps the workload was down for, but the physical move, as they started.
        var steps: [Step]

        struct Step: Sendable {
            var step: String
            var lane: StepLane
            /// From the scale-down's start, without the wait for the move.
            var start: Duration
            var time: Duration
        }
    }

    static func migrate(_ session: LabSession, moveTime: Duration) async throws -> Result {
        let plan = try await session.discoverPlan()
        let timeline = ReadyTimeline(source: LabSession.source, target: LabSession.target)
        let kube = session.connections.kube
        let watch = Task { await timeline.follow(kube, namespace: LabSession.namespace, labelSelector: "app=frigate") }
        defer { watch.cancel() }
        let began = ContinuousClock.now
        let journal = try await session.run(plan, observer: SilentObserver(), moveTime: moveTime)
        let lanes = Dictionary(session.steps(plan).map { ($0.id, $0.lane) }, uniquingKeysWith: { first, _ in first })
        let total = began.duration(to: .now)
        let moveWait = Downtime.moveWait(journal)
        let entries = journal.entries
        guard let watched = await timeline.downtime(less: moveWait), let journaled = Downtime(journal)?.withoutMove,
            let down = entries.firstIndex(where: { $0.step == "scale-down" }), let up = entries.lastIndex(where: { $0.step == "wait-ready" })
        else {
            throw DemoFailure("the run finished, but the pods' watch did not see Frigate go down on the source and up on the target")
        }
        let downAt = entries[down].startedAt ?? Date()
        var steps: [Result.Step] = []
        for entry in entries[down...up].sorted(by: { ($0.startedAt ?? downAt) < ($1.startedAt ?? downAt) }) where entry.phase != .move {
            guard let start = entry.startedAt, let end = entry.endedAt else { continue }
            // The physical move comes before every step after it; its wait is left out.
            let moved = entries.contains { $0.phase == .move && ($0.endedAt ?? .distantFuture) <= start }
            let offset = start.timeIntervalSince(downAt) - (moved ? BenchFormat.seconds(of: moveWait) : 0)
            steps.append(Result.Step(
                step: entry.step, lane: lanes[entry.step] ?? .main, start: .milliseconds(Int64(offset * 1000)),
                time: .milliseconds(Int64(end.timeIntervalSince(start) * 1000))))
        }
        return Result(watched: watched, journaled: journaled, total: total, moveWait: moveWait, steps: steps)
    }
}
