extension MigrationScripts {
    /// 10-source.sh: Flux kept off what moves, at the plan's grain (`gitops.pause`), as `ferry run` does.
    static func fluxPause(_ plan: MigrationPlan) -> ShellScript.Block? {
        guard let gitops = plan.gitops else { return nil }
        switch gitops.pause {
        case .kustomization:
            return .init(
                "Suspend the Flux Kustomization, so Flux does not scale the workload back up or recreate what moves.",
                "The annotation says who suspended it, so a suspend forgotten after a failure is visible.", body: [
                    "if [ \"$(kubectl -n \"$KUSTOMIZATION_NS\" get kustomization \"$KUSTOMIZATION\" -o jsonpath='{.spec.suspend}')\" != true ]; then",
                    "  kubectl -n \"$KUSTOMIZATION_NS\" annotate --overwrite kustomization \"$KUSTOMIZATION\" \"ferry.dev/suspended-by=migration scripts $MIGRATION\"",
                    "  kubectl -n \"$KUSTOMIZATION_NS\" patch kustomization \"$KUSTOMIZATION\" --type merge -p '{\"spec\":{\"suspend\":true}}'",
                    "fi",
                ])
        case .objects:
            return .init(
                "Mark what ferry changes reconcile: disabled, so Flux leaves it alone and keeps applying every other app",
                "of the Kustomization (gitops.pause: objects). The second annotation says who marked it.",
                body: FluxPause.targets(plan).map {
                    "kubectl -n \"$NAMESPACE\" annotate --overwrite \($0.type.resource) \(q($0.name)) "
                        + "\(FluxPause.reconcileAnnotation)=disabled \"\(FluxPause.reasonAnnotation)=migration scripts $MIGRATION\""
                })
        case .helmRelease:
            return .init(
                "Suspend the Flux HelmRelease, so helm-controller neither upgrades the release nor puts back what moves;",
                "the Kustomization that applies it keeps reconciling. The annotation says who suspended it.", body: [
                    "kubectl -n \"$HELMRELEASE_NS\" annotate --overwrite helmrelease \"$HELMRELEASE\" \"ferry.dev/suspended-by=migration scripts $MIGRATION\"",
                    "kubectl -n \"$HELMRELEASE_NS\" patch helmrelease \"$HELMRELEASE\" --type merge -p '{\"spec\":{\"suspend\":true}}'",
                ])
        }
    }

    /// 50-gitops.sh and 90-rollback.sh: the pause lifted, before Flux is asked to reconcile.
    static func fluxResume(_ plan: MigrationPlan) -> [String] {
        switch plan.gitops?.pause {
        case nil: return []
        case .kustomization?:
            return [
                "kubectl -n \"$KUSTOMIZATION_NS\" patch kustomization \"$KUSTOMIZATION\" --type merge -p '{\"spec\":{\"suspend\":false}}'",
                "kubectl -n \"$KUSTOMIZATION_NS\" annotate --overwrite kustomization \"$KUSTOMIZATION\" ferry.dev/suspended-by-",
            ]
        case .objects?:
            return FluxPause.targets(plan).map {
                "kubectl -n \"$NAMESPACE\" annotate \($0.type.resource) \(q($0.name)) \(FluxPause.reconcileAnnotation)- \(FluxPause.reasonAnnotation)-"
            }
        case .helmRelease?:
            // After the Kustomization has applied the commit (the values), so the
            // release's first reconcile is of them.
            return []
        }
    }

    /// 50-gitops.sh and 90-rollback.sh: a suspended HelmRelease resumed once the
    /// Kustomization applied the values, and released.
    static func helmReleaseResume(_ plan: MigrationPlan) -> [String] {
        guard plan.gitops?.pause == .helmRelease else { return [] }
        return [
            "requested=$(date +%s)",
            "kubectl -n \"$HELMRELEASE_NS\" annotate --overwrite helmrelease \"$HELMRELEASE\" ferry.dev/suspended-by- \"reconcile.fluxcd.io/requestedAt=$requested\" \"reconcile.fluxcd.io/forceAt=$requested\"",
            "kubectl -n \"$HELMRELEASE_NS\" patch helmrelease \"$HELMRELEASE\" --type merge -p '{\"spec\":{\"suspend\":false}}'",
            "released() {",
            "  [ \"$(kubectl -n \"$HELMRELEASE_NS\" get helmrelease \"$HELMRELEASE\" -o jsonpath='{.status.lastHandledReconcileAt}')\" = \"$requested\" ] &&",
            "    kubectl -n \"$HELMRELEASE_NS\" get helmrelease \"$HELMRELEASE\" -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True",
            "}",
            "wait_for \(plan.timeouts.reconcile.seconds) \"HelmRelease $HELMRELEASE to be released\" released",
        ]
    }

    /// 10-source.sh: the CronJobs beside the workload suspended, each one's `spec.suspend` saved first.
    static func cronJobsPause(_ plan: MigrationPlan) -> ShellScript.Block? {
        guard !plan.cronJobs.isEmpty else { return nil }
        return .init(
            "Suspend the CronJobs beside the workload (cronJobs), each one's spec.suspend saved for the end and the rollback;",
            "a running Job still holds what it mounts, so wait for it to end.",
            body: plan.cronJobs.flatMap { cronJob -> [String] in
                let name = q(cronJob.name)
                return [
                    "[ -s \"$STATE_DIR/cronjob.\(cronJob.name)\" ] || kubectl -n \"$NAMESPACE\" get cronjob \(name) -o jsonpath='{.spec.suspend}' >\"$STATE_DIR/cronjob.\(cronJob.name)\"",
                    "kubectl -n \"$NAMESPACE\" patch cronjob \(name) -p '{\"spec\":{\"suspend\":true}}'",
                    "idle_\(cronJob.name.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_"))() { [ -z \"$(kubectl -n \"$NAMESPACE\" get cronjob \(name) -o jsonpath='{.status.active}')\" ]; }",
                    "wait_for \(plan.timeouts.podReady.seconds) \"the Jobs of CronJob \(cronJob.name) to end\" idle_\(cronJob.name.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_"))",
                ]
            })
    }

    /// 50-gitops.sh and 90-rollback.sh: each CronJob's `spec.suspend` as 10-source.sh saved it.
    static func cronJobsResume(_ plan: MigrationPlan) -> ShellScript.Block? {
        guard !plan.cronJobs.isEmpty else { return nil }
        return .init(
            "Put each CronJob's spec.suspend back as 10-source.sh saved it.",
            body: plan.cronJobs.flatMap { cronJob in
                let saved = "\"$STATE_DIR/cronjob.\(cronJob.name)\""
                return [
                    "if [ -f \(saved) ]; then",
                    "  suspend=false; if grep -qx true \(saved); then suspend=true; fi",
                    "  kubectl -n \"$NAMESPACE\" patch cronjob \(q(cronJob.name)) -p \"{\\\"spec\\\":{\\\"suspend\\\":$suspend}}\"",
                    "fi",
                ]
            })
    }
}
