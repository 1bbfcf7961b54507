import Foundation

/// The lab's Frigate manifests, read from the Swift source that seeds the lab's GitOps
/// repository (Sources/FerryLab/Scenario/FrigateCoralManifests.swift). This test target
/// does not depend on FerryLab, so the text is taken from the file itself: the tests
/// edit exactly what the lab serves, and cannot drift from it.
enum ManifestFixtures {
    static func labManifest(_ path: String) throws -> String {
        let source = URL(filePath: #filePath).deletingLastPathComponent()
            .appending(path: "../../Sources/FerryLab/Scenario/FrigateCoralManifests.swift")
        let lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard let open = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "\"\(path)\": \"\"\"" }),
            let close = lines[(open + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "\"\"\"," })
        else { throw FixtureError(description: "\(path) is not in FrigateCoralManifests.swift") }
        let indent = lines[close].prefix { $0 == " " }.count
        let body = lines[(open + 1)..<close].map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }
        let text = body.joined(separator: "\n")
        guard !text.contains("\\") else { throw FixtureError(description: "\(path) has escapes this reader does not decode") }
        return text
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
    }
}
