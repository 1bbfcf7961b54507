/// Comments for a written plan, each tied to the place it explains: what `ferry plan`
/// found and what it based it on, so that a person reviewing the plan can check each
/// value against its evidence instead of trusting the tool.
///
/// ```swift
/// var notes = PlanNotes()
/// notes.add("runs on k3s-vm-pumped-piglet-gpu: pod frigate-6f9c-x2x4z", at: .section("source"))
/// notes.add("node-bound: PV pvc-1 has nodeAffinity kubernetes.io/hostname=k3s-vm-pumped-piglet-gpu", at: .item("volumes", 0))
/// print(plan.yaml(notes: notes))
/// ```
public struct PlanNotes: Sendable, Hashable {
    /// Where a note is written.
    public enum Place: Sendable, Hashable {
        /// After the plan's opening comment.
        case header
        /// Before a top-level section's key (`source`, `devices`, `gitops`...), after its
        /// standard comment; written even when the section itself is absent.
        case section(String)
        /// Before item N of a list section (`devices`, `volumes`, `manifestChanges`,
        /// `drivers`, `verify`).
        case item(String, Int)
        /// Before a field inside a section (`gitops` / `repo`).
        case field(String, String)
    }

    private var notes: [Place: [String]] = [:]

    public init() {}

    /// Adds a note; a note with line breaks becomes several comment lines.
    public mutating func add(_ note: String, at place: Place) {
        notes[place, default: []] += note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    public subscript(place: Place) -> [String] { notes[place] ?? [] }

    public var isEmpty: Bool { notes.isEmpty }

    /// Every note, in no particular order (for tests and for scanning the text).
    public var all: [String] { notes.values.flatMap { $0 } }
}
