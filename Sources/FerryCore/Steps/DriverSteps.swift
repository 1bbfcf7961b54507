import FerryRemote
import Foundation

/// Runs a driver's install in the target VM before the workload stops, when its
/// check fails: an install (apt, a module built by DKMS, NVIDIA's driver and
/// toolkit: minutes) needs neither the device nor the workload down, and in
/// `DriverStep` all of it would be downtime. The device is not in the VM yet, so a
/// check that looks for it (`nvidia-smi`) may fail here whatever the install did:
/// only the install's own exit status counts. A failed install stops the run here,
/// before anything changed, rather than in the downtime where it would fail the same
/// way. `DriverStep` checks again once the device is in the VM.
struct PreinstallDriverStep: MigrationStep {
    let environment: MigrationEnvironment
    let driver: MigrationPlan.Driver
    let install: String

    init?(environment: MigrationEnvironment, driver: MigrationPlan.Driver) {
        guard let install = driver.install else { return nil }
        self.environment = environment
        self.driver = driver
        self.install = install
    }

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "preinstall-\(driver.name)" }
    var title: String { "Install \(driver.name) in \(side.vm) before the workload stops" }
    var phase: MigrationPhase { .target }

    func inspect(_ context: StepContext) async throws -> StepState {
        let output = try await environment.run(driver.check, in: environment.targetShell, context)
        return output.exitCode == 0 ? .done : .pending(reason: "`\(driver.check)` exited \(output.exitCode)")
    }

    func apply(_ context: StepContext) async throws {
        context.waiting("\(driver.name) to install in \(side.vm)")
        let output = try await environment.run(install, in: environment.targetShell, context)
        guard output.exitCode == 0 else {
            throw StepFailure(
                "installing \(driver.name) in \(side.vm) failed (`\(install)` exited \(output.exitCode): \(DriverStep.tail(output)))",
                fix: "fix what it says in \(side.vm) (or install \(driver.name) there by hand), then `ferry resume`; "
                    + "nothing was changed yet, and the workload still runs on \(environment.plan.source.node)")
        }
    }

    /// Left installed: a driver does no harm on a VM without the device.
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] {
        ["in \(side.vm), while the workload still runs, if `\(driver.check)` fails: \(install) (the check is asked again once the device is there)"]
    }
}

/// Checks a driver in the target VM once the device is there, and installs it when
/// the check fails (`PreinstallDriverStep` has usually installed it already).
struct DriverStep: MigrationStep {
    let environment: MigrationEnvironment
    let driver: MigrationPlan.Driver

    var side: MigrationPlan.Endpoint { environment.plan.target }
    var id: String { "driver-\(driver.name)" }
    var title: String { "Driver \(driver.name) in \(side.vm)" }
    var phase: MigrationPhase { .target }
    /// A package install in the VM leaves its pods running. Should a plan's install
    /// restart the node after all, the copy fails with the originals untouched and
    /// `ferry resume` copies again.
    var alongside: Set<StepLane> { StepLane.sides }

    func inspect(_ context: StepContext) async throws -> StepState {
        let output = try await environment.run(driver.check, in: environment.targetShell, context)
        if output.exitCode == 0 { return .done }
        guard driver.install != nil else {
            return .blocked(reason: "`\(driver.check)` fails in \(side.vm) and the plan gives no install command: install \(driver.name) by hand, then `ferry resume`")
        }
        return .pending(reason: "`\(driver.check)` exited \(output.exitCode)")
    }

    func apply(_ context: StepContext) async throws {
        guard let install = driver.install else { return }
        context.waiting("\(driver.name) to install in \(side.vm)")
        let output = try await environment.run(install, in: environment.targetShell, context)
        let check = try await environment.run(driver.check, in: environment.targetShell, context)
        guard check.exitCode == 0 else {
            throw StepFailure(
                "installing \(driver.name) in \(side.vm) did not make `\(driver.check)` pass (install exited \(output.exitCode): \(Self.tail(output)))",
                fix: "install it by hand in \(side.vm), then `ferry resume`")
        }
    }

    /// The last lines an install wrote, on one line.
    static func tail(_ output: CommandOutput) -> String {
        (output.stderrText + output.stdoutText).split(separator: "\n").suffix(3).joined(separator: " | ")
    }

    /// Left installed: a driver does no harm on a VM without the device.
    var undoes: Bool { false }
    func undo(_ context: StepContext) async throws {}

    func describe() -> [String] {
        var lines = ["in \(side.vm): \(driver.check)"]
        if let install = driver.install { lines.append("in \(side.vm), if that fails: \(install)") }
        return lines
    }
}
