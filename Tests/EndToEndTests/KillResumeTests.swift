import Foundation
import Testing

/// `ferry run` SIGKILLed at chosen moments, then `ferry resume`d (and killed again,
/// and resumed again...), against `ferry lab up`: every sequence must end in the state
/// an uninterrupted run ends in (`KillResumeMigration.expectEndState`).
///
/// Why these kill points cover the rest. A kill leaves the world in one of a few
/// kinds of state, whatever the step:
/// - between two steps: the runner journals a step done before it says so and
///   journals the next one before it starts, so every boundary is alike; two are
///   killed at (after remove-passthrough, after scale-down), one in the GitOps phase.
/// - inside a step that changes the world with one call and does not wait (suspend,
///   retain, remove/add passthrough, the labels): a kill leaves the call made or not,
///   which is what the step's inspect reads; the same as a boundary on either side.
/// - in a Kubernetes wait (pods gone, PVC bound, Flux applied, pods Ready): scale-down,
///   both switches (a claim deleted and not yet re-created), resume-flux, verify.
/// - with helper pods running on the nodes: the receiver alone, the rsync pass
///   (pre-copy and final copy), the checksums kept for the final pass.
/// - in a VM wait: the reboot task in flight, the VM not answering yet; and a
///   command in the VM through the guest agent (the driver install).
/// - waiting for the person, with the Coral still on the source, and already moved.
/// - in Git: before the commit, committed and not pushed, pushed and Flux not resumed.
/// - with the volumes' lane and the main steps both in flight (every kill past
///   reboot-target and before resume-flux).
@Suite("ferry run killed and resumed")
struct KillResumeTests {
    @Test("killed with SIGKILL and resumed, again and again, the migration ends as an uninterrupted run does",
          arguments: KillSequence.all)
    func killAndResume(_ sequence: KillSequence) async throws {
        try await RunningLab.with { lab in
            let migration = try await KillResumeMigration.prepare(lab)
            let began = ContinuousClock.now
            guard try await migration.drive(sequence.kills) else { return }
            print("\(sequence): \(sequence.kills.count) kill(s), migrated in \(ContinuousClock.now - began)")
            try await migration.expectEndState()
        }
    }
}

/// A moment to SIGKILL ferry at: when it prints `event` for `step` (a `waiting`
/// event whose message starts with `message`, when given).
struct KillPoint: Sendable, CustomStringConvertible {
    var event: String
    var step: String
    var message: String?
    /// The Coral is moved before the kill: the person did their part while ferry was dead.
    var movedFirst = false

    static func waiting(_ step: String, _ message: String? = nil, movedFirst: Bool = false) -> KillPoint {
        KillPoint(event: "waiting", step: step, message: message, movedFirst: movedFirst)
    }

    static func started(_ step: String) -> KillPoint { KillPoint(event: "step-started", step: step) }
    static func finished(_ step: String) -> KillPoint { KillPoint(event: "step-finished", step: step) }

    func matches(_ event: FerryEvent) -> Bool {
        event.event == self.event && event.step == step && (message.map { event.message?.hasPrefix($0) == true } ?? true)
    }

    var description: String { "\(event) \(step)" + (message.map { " \"\($0)...\"" } ?? "") + (movedFirst ? " (Coral moved)" : "") }
}

/// The kills of one `run`, `resume`, `resume`... sequence, in the order the run
/// reaches them; each process after the first is a `ferry resume`.
///
/// Past scale-down the volumes' lane (final copy, switch) and the GitOps commit's
/// run beside the main steps up to resume-flux (`StepLane`), and how far one side gets
/// while another reaches a kill point is a race. So past that point a sequence kills
/// where each kill point surely comes after the one before: the volume steps' in
/// `everyWait` and `inTheVolumeLane` (after the physical move, which waits for a
/// person), and in `otherMoments` the commit's, then the reboot, which waits for the
/// volumes' lane.
struct KillSequence: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    var name: String
    var kills: [KillPoint]

    var testDescription: String { name }
    var description: String { name }

    static let all = [everyWait, otherMoments, inTheVolumeLane]

    /// The waits of the run, one kill in the middle of each.
    static let everyWait = KillSequence(name: "in every wait", kills: [
        .waiting("pre-copy-frigate-config", "rsync of"),  // receiver and sender pods running, the copy's claim made
        .waiting("scale-down"),  // scaled to 0, the pod terminating
        .finished("remove-passthrough-coral"),  // a boundary: passthrough gone, the label still on the source
        .waiting("move-coral"),  // the Coral still on pumped-piglet (the volumes' lane copying beside)
        .waiting("final-copy", "rsync and checksums of frigate-config"),  // workload stopped, both volumes' pods running
        .waiting("switch", "PVC frigate/frigate-config"),  // the original claims deleted, the new ones binding
        .waiting("reboot-target", "k3s-vm-still-fawn to answer"),  // VM 108 rebooting, once the lane ended
        .waiting("resume-flux"),  // Flux resumed, applying the commit
        .waiting("verify-1"),  // reading Frigate's log
    ])

    /// The other moments a wait or a boundary can be caught in.
    static let otherMoments = KillSequence(name: "at the other moments", kills: [
        .waiting("preinstall-libedgetpu"),  // apt-get in the VM through the guest agent, the workload up
        .waiting("pre-copy-frigate-config", "checksums of"),  // the first listing, its caches half written
        .waiting("pre-copy-frigate-media", "the rsync receiver"),  // the receiver alone
        .finished("scale-down"),  // a boundary: the pods gone
        .started("edit-manifests"),  // updating or editing the clone, nothing committed
        .waiting("edit-manifests", "git push"),  // committed, not pushed
        .finished("edit-manifests"),  // a boundary: pushed, Flux still suspended
        .waiting("reboot-target", "VM 108"),  // the reboot task being requested
    ])

    /// The volume lane's other waits.
    static let inTheVolumeLane = KillSequence(name: "in the volume lane", kills: [
        // First: any process that waits for the move at another kill point has the
        // lab's hands move the Coral.
        .waiting("move-coral", movedFirst: true),  // the Coral on still-fawn, not journaled
        .waiting("final-copy", "rsync and checksums of frigate-media"),  // the last pass's senders, beside the first copy's receivers
        .waiting("switch", "PVC frigate/frigate-media"),  // the claims re-created, one or both bound
    ])
}
