import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a whole migration against the built-in lab.")

    func run() async throws {
        print("demo: not yet")
    }
}
