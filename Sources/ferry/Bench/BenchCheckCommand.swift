import ArgumentParser
import FerryCore
import FerryLab
import Foundation

/// `ferry check` of the reference plan with every lab endpoint slowed down (issue:
/// under 2 s of wall time with 200 ms on each, because the checks run concurrently).
struct BenchCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Time the pre-flight checks with latency added to every lab endpoint.",
        discussion: """
            Each run opens its clients anew, as a `ferry check` process does, and runs every \
            check of the discovered plan. The latency is added before every answer of the \
            Kubernetes API, the Proxmox API and each SSH command. SSH to the target VM is \
            refused in the scenario, so the checks also fall back to the guest agent.
            """)

    @Option(help: "Milliseconds added before every answer of the lab's endpoints.")
    var latency = 200

    @Option(help: "How many times to run the checks.")
    var runs = 5

    func validate() throws {
        guard (0...10_000).contains(latency) else { throw ValidationError("--latency must be 0 to 10000 (milliseconds)") }
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be between 1 and 100") }
    }

    func run() async throws {
        let latency = Duration.milliseconds(latency)
        let runs = runs
        try await LabSession.with(in: LabSession.temporaryDirectory("bench"), keep: false) { session in
            let plan = try await session.discoverPlan()
            await session.homelab.updateFaults { $0.apiLatency = latency }
            BenchFormat.say("ferry bench check: \(runs) run(s) with \(BenchFormat.seconds(latency)) on every lab endpoint")
            var times: [Duration] = []
            for index in 1...runs {
                let began = ContinuousClock.now
                let connections = try Connections.open(session.settings)
                let report = await Preflight(plan: plan.plan, connections: connections, planDirectory: session.directory).run()
                await connections.shutdown()
                let elapsed = began.duration(to: .now)
                times.append(elapsed)
                let failed = report.results.filter { $0.status == .fail }.map(\.check)
                BenchFormat.say("  run \(index): \(BenchFormat.seconds(elapsed)), \(report.results.count) checks"
                    + (failed.isEmpty ? "" : ", failed: \(failed.joined(separator: ", "))"))
            }
            BenchFormat.say("median \(BenchFormat.seconds(BenchFormat.median(times))), slowest \(BenchFormat.seconds(times.max() ?? .zero))")
        }
    }
}
