import FerryJSON

/// One change to one object, as it goes out on a watch stream.
public struct WatchEvent: Sendable {
    public enum EventType: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    public var type: EventType
    public var key: ObjectKey
    /// The object after the change (for DELETED, its last state).
    public var object: JSON
    /// The object before the change, so that a selector-filtered watch can tell an
    /// object leaving its selection (sent as DELETED) from one entering it (ADDED).
    public var previous: JSON?
    public var resourceVersion: Int64
}
