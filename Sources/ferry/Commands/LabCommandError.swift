import ArgumentParser
import FerryLab
import Foundation

/// A `ferry lab` failure: the sentence printed after `Error: ` and the exit code that
/// tells scripts which failure it was (listed in `ferry lab --help`).
struct LabCommandError: Error, CustomStringConvertible {
    /// The process's exit code for each kind of failure. 64 (usage) comes from the
    /// argument parser, 1 from anything unexpected.
    enum Code: Int32 {
        /// No lab is running with this `--dir`.
        case noLab = 3
        /// The lab refused the request (unknown device, host, VM, SSH name; a fault this lab lacks).
        case refused = 4
        /// `lab up`: a lab is already running with this `--dir`.
        case alreadyRunning = 5
        /// `lab up`: the lab did not start.
        case startFailed = 6
    }

    var code: Code
    var description: String

    static func noLab(_ dir: String, because reason: String) -> LabCommandError {
        LabCommandError(
            code: .noLab,
            description: "no lab is running with --dir \(dir) (\(reason)): start one with `ferry lab up --dir \(dir)`")
    }

    static func refused(_ error: LabControlError) -> LabCommandError {
        LabCommandError(code: .refused, description: error.message)
    }

    static func alreadyRunning(_ dir: String, url: String, pid: Int32) -> LabCommandError {
        LabCommandError(
            code: .alreadyRunning,
            description: "a lab is already running with --dir \(dir) (pid \(pid), control endpoint \(url)): "
                + "stop it with Ctrl-C in its terminal (or `kill -INT \(pid)`), or choose another --dir")
    }

    static func startFailed(_ dir: String, _ error: any Error) -> LabCommandError {
        LabCommandError(
            code: .startFailed,
            description: "the lab did not start in \(dir): \(error)\nEverything it had started is stopped; "
                + "fix the cause (or use an empty --dir) and run `ferry lab up` again")
    }

    /// The exit-codes paragraph of the commands' help.
    static let exitCodes = """
        Exit codes: 0 done; 3 no lab is running with --dir; 4 the lab refused the request \
        (unknown device, host, VM or SSH name, or a fault this lab lacks); 5 (lab up) a lab is \
        already running with --dir; 6 (lab up) the lab did not start; 64 bad usage.
        """
}

extension LabCommandError {
    /// Runs a command's body, printing a `LabCommandError` as `Error: SENTENCE` on
    /// stderr and exiting with its code.
    static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as LabCommandError {
            FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
            throw ExitCode(error.code.rawValue)
        }
    }
}
