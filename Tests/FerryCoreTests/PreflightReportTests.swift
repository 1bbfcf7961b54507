import FerryJSON
import FerryRemote
import Foundation
import Testing

@testable import FerryCore

/// The pieces of `ferry check` that need no lab: how the report reads, where the
/// GitOps clone is, what a pod spec references, the pod as the plan leaves it, and
/// a check that overruns its deadline.
@Suite("Pre-flight report and rules")
struct PreflightReportTests {
    let report = PreflightReport(
        plan: "frigate-piglet-to-fawn",
        results: [
            .pass("vm-access k3s-vm-still-fawn", "SSH works"),
            .fail("target-node k3s-vm-still-fawn", "k3s-vm-still-fawn is cordoned", fix: "kubectl uncordon k3s-vm-still-fawn"),
            .warn("volume frigate-media", "its data will be lost", fix: "set volumes[1].action: move to keep the data"),
        ],
        targetAccess: .ssh, elapsed: .milliseconds(1234))

    @Test("the table aligns the columns and puts each fix under its failure or warning")
    func table() {
        #expect(report.table == """
            STATUS  CHECK                          REASON
            pass    vm-access k3s-vm-still-fawn    SSH works
            fail    target-node k3s-vm-still-fawn  k3s-vm-still-fawn is cordoned
                    fix: kubectl uncordon k3s-vm-still-fawn
            warn    volume frigate-media           its data will be lost
                    fix: set volumes[1].action: move to keep the data

            VM commands on the target: SSH
            1 passed, 1 warning, 1 failed in 1.2s: ferry run would stop here; fix the failures above and run ferry check again.

            """)
        #expect(report.blocks)
    }

    @Test("on a terminal of 60 columns, REASON and fix wrap under their columns and no row is wider")
    func tableWrapped() {
        let long = PreflightReport(
            plan: "p",
            results: [
                .fail("target-node k3s-vm-still-fawn", "k3s-vm-still-fawn is cordoned: no new pod can be scheduled on it\nuntil it is uncordoned",
                      fix: "kubectl uncordon k3s-vm-still-fawn, then run ferry check again"),
                .pass("volume a-claim-with-a-long-name", "moved with its data"),
            ],
            targetAccess: .ssh, elapsed: .milliseconds(10))
        let rows = long.table(width: 60).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let checks = rows.prefix { !$0.isEmpty }
        #expect(checks.allSatisfy { $0.count < 60 }, "\(checks.joined(separator: "\n"))")
        #expect(Array(checks) == [
            "STATUS  CHECK (REASON below)",
            "fail    target-node k3s-vm-still-fawn",
            "        k3s-vm-still-fawn is cordoned: no new pod can be",
            "        scheduled on it until it is uncordoned",
            "        fix: kubectl uncordon k3s-vm-still-fawn, then run",
            "             ferry check again",
            "pass    volume a-claim-with-a-long-name",
            "        moved with its data",
        ])
    }

    @Test("the JSON form carries every check, the access method and the verdict")
    func json() {
        let json = report.json
        #expect(json["apiVersion"] == "ferry.dev/v1")
        #expect(json["kind"] == "PreflightReport")
        #expect(json["ok"] == false)
        #expect(json["targetAccess"] == "ssh")
        #expect(json["counts"] == ["pass": 1, "warn": 1, "fail": 1, "skip": 0])
        #expect(json["elapsedMs"] == 1234)
        let checks = json["checks"].arrayValue ?? []
        #expect(checks.count == 3)
        #expect(checks.dropFirst().first == [
            "id": "target-node.k3s-vm-still-fawn", "check": "target-node k3s-vm-still-fawn", "status": "fail", "reason": "k3s-vm-still-fawn is cordoned",
            "fix": "kubectl uncordon k3s-vm-still-fawn",
        ])
    }

    @Test("a check's id: kind, dot, subject, lowercase, one dash for what a script would trip on")
    func ids() {
        #expect(PreflightResult.pass("credentials kubernetes", "").id == "credentials.kubernetes")
        #expect(PreflightResult.pass("passthrough-slots VM 106", "").id == "passthrough-slots.vm-106")
        #expect(PreflightResult.pass("live edit 2 (Deployment/frigate)", "").id == "live.edit-2-deployment/frigate")
        #expect(PreflightResult.pass("manifests", "").id == "manifests")
        #expect(PreflightResult.pass("git /home/ana/homelab gitops", "").id == "git./home/ana/homelab-gitops")
    }

    @Test("gitops.repo: ~ is the home directory, a relative path is relative to the plan file")
    func repoLocation() {
        let plans = URL(fileURLWithPath: "/srv/plans")
        let home = URL(fileURLWithPath: "/home/ana")
        #expect(GitOpsLocation.resolve("~/homelab-gitops", planDirectory: plans, home: home).path == "/home/ana/homelab-gitops")
        #expect(GitOpsLocation.resolve("~", planDirectory: plans, home: home).path == "/home/ana")
        #expect(GitOpsLocation.resolve("../gitops", planDirectory: plans, home: home).path == "/srv/gitops")
        #expect(GitOpsLocation.resolve("/opt/gitops", planDirectory: plans, home: home).path == "/opt/gitops")
    }

    @Test("every way a pod spec names a Secret or ConfigMap is found")
    func references() throws {
        let spec = try JSON.parseYAML("""
            imagePullSecrets: [{name: registry}]
            volumes:
              - {name: config, configMap: {name: app-config}}
              - {name: certs, secret: {secretName: tls, optional: true}}
              - name: bundle
                projected: {sources: [{secret: {name: token}}, {configMap: {name: ca}}]}
            initContainers:
              - name: init
                envFrom: [{configMapRef: {name: init-env}}]
            containers:
              - name: app
                envFrom: [{secretRef: {name: creds}}]
                env:
                  - {name: PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
                  - {name: MODE, valueFrom: {configMapKeyRef: {name: app-config, key: mode}}}
            """)
        let found = PodReference.all(in: spec).map { "\($0.kind.rawValue)/\($0.name)\($0.key.map { ":\($0)" } ?? "")\($0.optional ? "?" : "") (\($0.usage))" }
        #expect(found == [
            "ConfigMap/app-config (volume config)", "Secret/tls? (volume certs)", "Secret/token (volume bundle)",
            "ConfigMap/ca (volume bundle)", "ConfigMap/init-env (envFrom of container init)", "Secret/creds (envFrom of container app)",
            "Secret/db:password (env PASSWORD of container app)", "ConfigMap/app-config:mode (env MODE of container app)",
            "Secret/registry (imagePullSecrets)",
        ])
    }

    @Test("the target node is checked against the pod as the plan's changes leave it")
    func workloadPreview() throws {
        let plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        let deployment = try JSON.parseYAML("""
            spec:
              template:
                spec:
                  runtimeClassName: nvidia
                  nodeSelector: {kubernetes.io/hostname: k3s-vm-pumped-piglet-gpu}
                  containers:
                    - name: frigate
                      resources: {requests: {cpu: "1", memory: 2Gi}, limits: {memory: 4Gi, nvidia.com/gpu: 1}}
            """)
        let spec = WorkloadPreview.apply(plan, to: deployment)["spec"]["template"]["spec"]
        #expect(spec["runtimeClassName"] == .null)
        #expect(spec["nodeSelector"]["kubernetes.io/hostname"] == "k3s-vm-still-fawn")
        #expect(ClusterChecks.requests(of: spec) == ["cpu": 1, "memory": 2 * 0x1p30])
        #expect(PresetNeeds.driPreset(in: plan) == "preset-vaapi")
    }

    @Test("a check that overruns its deadline is abandoned, not waited for")
    func deadline() async {
        let clock = ContinuousClock()
        let began = clock.now
        let late = await PreflightDeadline.run(within: .milliseconds(50)) { () async -> Int in
            // Like a running `ssh`: cancelling the check does not stop it.
            await Task.detached { try? await Task.sleep(for: .seconds(60)) }.value
            return 1
        }
        #expect(late == nil)
        #expect(began.duration(to: clock.now) < .seconds(30))
        #expect(await PreflightDeadline.run(within: .seconds(10)) { 42 } == 42)
    }
}
