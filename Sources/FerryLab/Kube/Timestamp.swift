import Foundation

/// Kubernetes timestamps: RFC 3339 in UTC with whole seconds (`metav1.Time`).
enum Timestamp {
    static func string(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func parse(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}
