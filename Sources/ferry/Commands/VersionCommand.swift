import ArgumentParser

/// ferry's release and the commit it was built from: what a bug report needs.
enum FerryVersion {
    static let release = "0.2.0"
    static var text: String { "ferry \(release) (commit \(BuildInfo.commit))" }
}

/// `ferry version`, the same as `ferry --version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print ferry's version and the commit it was built from.")

    func run() {
        print(FerryVersion.text)
    }
}
