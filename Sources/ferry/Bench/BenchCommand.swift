import ArgumentParser
import Foundation

/// `ferry bench`: the speed targets of the migration, measured in the built-in lab
/// with its default delays, each next to the floor or the baseline it is judged by.
/// Numbers are printed, never asserted: they depend on the machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ferry's speed in the built-in lab: downtime, volume copies, pre-flight.",
        discussion: """
            Each benchmark starts its own frigate-coral lab in a temporary directory and \
            removes it afterwards. Run a release build for numbers worth comparing: \
            swift run -c release ferry bench migration
            """,
        subcommands: [BenchMigrationCommand.self, BenchVolumesCommand.self, BenchCheckCommand.self])
}

/// What every benchmark prints its figures with.
enum BenchFormat {
    static func seconds(_ duration: Duration) -> String {
        String(format: "%.3fs", seconds(of: duration))
    }

    /// `part` as a share of `whole`, for times ("30.5%").
    static func percent(_ part: Duration, of whole: Duration) -> String {
        String(format: "%.1f%%", seconds(of: part) / max(seconds(of: whole), 1e-9) * 100)
    }

    static func seconds(of duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func rate(bytes: Int, in duration: Duration) -> String {
        let value = Double(bytes) / max(seconds(of: duration), 1e-9) / 1_048_576
        return String(format: "%.0f MiB/s", value)
    }

    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 30 { return String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        return String(format: "%.0f KiB", Double(bytes) / 1024)
    }

    static func median(_ values: [Duration]) -> Duration {
        let sorted = values.sorted()
        return sorted.isEmpty ? .zero : sorted[sorted.count / 2]
    }

    static func say(_ text: String) {
        print(text)
        StandardOutput.flush()
    }
}
