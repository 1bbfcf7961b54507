import FerryRemote
import Foundation

/// What a step may ask of the run while it works: remember what its undo needs
/// (journaled at once), say what it is waiting for, warn, and report how it reached
/// a VM. One per step execution; the runner makes it.
public struct StepContext: Sendable {
    public let step: String
    let recorder: JournalRecorder
    let observer: any RunObserver

    init(step: String, recorder: JournalRecorder, observer: any RunObserver) {
        self.step = step
        self.recorder = recorder
        self.observer = observer
    }

    /// Writes `value` under `key` into the step's journal entry before returning, so
    /// call it before the change it describes.
    public func remember(_ key: String, _ value: String) async throws {
        try await recorder.update(step) { $0.memory[key] = value }
    }

    /// What this step remembered in an earlier run of it (before a crash, or for undo).
    public func recall(_ key: String) async -> String? {
        await recorder.journal.entry(step)?.memory[key]
    }

    /// What another step of this migration remembered (the commit the GitOps step
    /// pushed, which the reconcile waits for).
    public func recall(_ key: String, of step: String) async -> String? {
        await recorder.journal.entry(step)?.memory[key]
    }

    /// What the step waits for now ("waiting for the Coral on still-fawn"); shown
    /// beside the spinner and in `--json`.
    public func waiting(_ message: String) {
        observer.event(.waiting(step: step, message: message))
    }

    public func warn(_ message: String) {
        observer.event(.warning(step: step, message: message))
    }

    /// What the person must do now, in full sentences (`RunEvent.notice`).
    public func notice(_ message: String) {
        observer.event(.notice(step: step, message: message))
    }

    /// Records how the target VM is reached for this migration (pre-flight decides).
    public func recordTargetAccess(_ method: String) async throws {
        try await recorder.setTargetAccess(method)
    }

    /// Records how a VM command ran, for the journal and the report.
    public func used(_ method: RemoteMethod) async {
        try? await recorder.update(step) { $0.method = method.rawValue }
    }
}
