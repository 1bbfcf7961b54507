import Foundation

/// The steps of a migration, in the blueprint's order, made from the plan. The same
/// list drives `ferry run`, `resume`, `rollback`, `--dry-run` and `status`, so a
/// step's id means the same thing in every journal.
public enum MigrationSteps {
    public static func make(
        _ environment: MigrationEnvironment, preflight: Bool = true, http: any HTTPProbe = URLSessionProbe()
    ) -> [any MigrationStep] {
        let plan = environment.plan
        var steps: [any MigrationStep] = []
        if preflight { steps.append(PreflightStep(environment: environment)) }
        // Installs need neither the device nor the workload down: not in the downtime.
        steps += plan.drivers.compactMap { PreinstallDriverStep(environment: environment, driver: $0) }
        if let gitops = plan.gitops { steps.append(SuspendFluxStep(environment: environment, gitops: gitops)) }
        if !plan.cronJobs.isEmpty { steps.append(PauseCronJobsStep(environment: environment)) }
        steps += VolumeSteps.beforeScaleDown(environment)
        steps.append(ScaleDownStep(environment: environment))
        // The workload is down: the volumes' last copy and switch run in their lane,
        // and the GitOps commit in its own, beside the device's move; a reboot of the
        // target waits for them (`RebootTargetStep.mayRun`), resume-flux too.
        steps += VolumeSteps.afterScaleDown(environment)
        if let gitops = plan.gitops, !plan.manifestChanges.isEmpty {
            steps.append(EditManifestsStep(environment: environment, gitops: gitops))
        }
        // Devices the target host has of its own (`move: false`) stay in the source VM.
        let moved = plan.devices.filter(\.move)
        steps += moved.map { RemovePassthroughStep(environment: environment, device: $0) }
        if let label = plan.nodeLabel, label.setBy == .ferry {
            steps.append(NodeLabelStep(environment: environment, label: label, node: plan.source.node, change: .remove))
        }
        steps += moved.map { PhysicalMoveStep(environment: environment, device: $0) }
        steps += plan.devices.map { VerifyHostDeviceStep(environment: environment, device: $0) }
        steps += plan.devices.map { AddPassthroughStep(environment: environment, device: $0) }
        if !plan.devices.isEmpty { steps.append(RebootTargetStep(environment: environment, devices: plan.devices)) }
        steps += plan.devices.map { VerifyVMDeviceStep(environment: environment, device: $0) }
        steps += plan.drivers.map { DriverStep(environment: environment, driver: $0) }
        steps += plan.devices.compactMap { device in
            device.resource.map { DeviceArrivalStep(environment: environment, device: device, awaited: .resource($0)) }
        }
        steps += plan.devices.compactMap { device in
            device.runtimeClass.map { DeviceArrivalStep(environment: environment, device: device, awaited: .runtimeClass($0)) }
        }
        if let label = plan.nodeLabel {
            steps.append(NodeLabelStep(
                environment: environment, label: label, node: plan.target.node, change: label.setBy == .ferry ? .add : .awaitNFD))
        }
        if let gitops = plan.gitops {
            steps.append(ResumeFluxStep(environment: environment, gitops: gitops))
        } else {
            steps.append(LiveEditStep(environment: environment))
        }
        steps.append(WaitReadyStep(environment: environment))
        if !plan.cronJobs.isEmpty { steps.append(ResumeCronJobsStep(environment: environment)) }
        steps += plan.verify.enumerated().map { VerifyStep(environment: environment, index: $0.offset, check: $0.element, http: http) }
        return steps
    }
}
