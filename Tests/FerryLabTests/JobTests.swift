import FerryJSON
import Foundation
import Testing

@testable import FerryLab

extension Manifest {
    /// A Job in `default` whose one container runs `command` with busybox's shell.
    static func job(
        _ name: String, command: String, restartPolicy: String = "Never", backoffLimit: Int? = nil,
        nodeSelector: [String: String] = [:]
    ) -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: \(name)
        spec:
        \(backoffLimit.map { "  backoffLimit: \($0)" } ?? "")
          template:
            spec:
              restartPolicy: \(restartPolicy)
        \(nodeSelector.isEmpty ? "" : "      nodeSelector: {\(nodeSelector.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", "))}")
              containers:
              - name: main
                image: busybox:1.36
                command: ["sh", "-c", "\(command)"]
        """
    }

    /// A CronJob in `default` on `schedule` whose Jobs run `command`.
    static func cronJob(
        _ name: String, schedule: String = "* * * * *", command: String = "echo tick", suspend: Bool = false,
        concurrencyPolicy: String = "Allow", successfulJobsHistoryLimit: Int = 3, nodeSelector: [String: String] = [:]
    ) -> String {
        """
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: \(name)
        spec:
          schedule: "\(schedule)"
          suspend: \(suspend)
          concurrencyPolicy: \(concurrencyPolicy)
          successfulJobsHistoryLimit: \(successfulJobsHistoryLimit)
          jobTemplate:
            spec:
              template:
                metadata:
                  labels: {cronjob: \(name)}
                spec:
                  restartPolicy: Never
        \(nodeSelector.isEmpty ? "" : "          nodeSelector: {\(nodeSelector.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", "))}")
                  containers:
                  - name: main
                    image: busybox:1.36
                    command: ["sh", "-c", "\(command)"]
        """
    }
}

extension LabFixture {
    /// The Jobs in `default` owned by the CronJob `name`, once `condition` holds for them.
    @discardableResult
    func waitForJobs(
        of cronJob: String, _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
        until condition: @escaping @Sendable ([JSON]) -> Bool
    ) async throws -> [JSON] {
        let found = await lab.waitUntil(ResourceCatalog.jobs, namespace: "default", timeout: timeout) { jobs in
            let owned = jobs.filter { $0["metadata"]["ownerReferences"].arrayValue?.first?["name"].stringValue == cronJob }
            return condition(owned) ? .array(owned) : nil
        }
        return try #require(found, "timed out waiting for the jobs of cronjob/\(cronJob): \(what)", sourceLocation: sourceLocation)
            .arrayValue ?? []
    }
}

extension JSON {
    var isComplete: Bool { condition(type: "Complete")?["status"] == "True" }
}

@Suite("Jobs")
struct JobTests {
    @Test("a Job runs its pod to Complete: labels and owner as Kubernetes sets them, status, conditions and kubectl's table")
    func runsToComplete() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.job("backup", command: "echo backed up"))
            try await lab.kubectl.succeed("wait", "--for=condition=Complete", "job/backup", "--timeout=30s")
            let job = try await lab.object("job", "backup")
            let uid = try #require(job["metadata"]["uid"].stringValue)
            #expect(job["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"].stringValue == uid)
            #expect(job["spec"]["backoffLimit"] == 6)
            #expect(job["status"]["succeeded"] == 1)
            #expect(job["status"]["active"] == .null)
            #expect(job["status"]["startTime"].stringValue != nil)
            #expect(job["status"]["completionTime"].stringValue != nil)
            #expect(job.condition(type: "SuccessCriteriaMet")?["status"] == "True")
            #expect(job.condition(type: "Complete")?["reason"] == "CompletionsReached")

            let pods = try await lab.kubectl.json("get", "pods", "-l", "job-name=backup")["items"].arrayValue ?? []
            let pod = try #require(pods.first)
            #expect(pods.count == 1)
            #expect(pod["status"]["phase"] == "Succeeded")
            #expect(pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "backup")
            #expect(pod["metadata"]["labels"]["controller-uid"].stringValue == uid)
            let owner = pod["metadata"]["ownerReferences"].arrayValue?.first
            #expect(owner?["kind"] == "Job")
            #expect(owner?["controller"] == true)
            #expect(try await lab.kubectl.succeed("logs", "job/backup") == "backed up\n")

            let table = try await lab.kubectl.succeed("get", "jobs")
            #expect(table.contains("STATUS"), "\(table)")
            #expect(table.contains("COMPLETIONS"), "\(table)")
            let row = table.split(separator: "\n").first { $0.hasPrefix("backup ") }.map(String.init) ?? ""
            #expect(row.contains("Complete") && row.contains("1/1"), "\(table)")
        }
    }

    @Test("a Job whose pods keep failing is Failed after backoffLimit, and a Job's restartPolicy must be Never or OnFailure")
    func backoffLimit() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.job("flaky", command: "exit 2", backoffLimit: 1))
            try await lab.kubectl.succeed("wait", "--for=condition=Failed", "job/flaky", "--timeout=30s")
            let job = try await lab.object("job", "flaky")
            #expect(job["status"]["failed"] == 2)
            #expect(job.condition(type: "Failed")?["reason"] == "BackoffLimitExceeded")
            let table = try await lab.kubectl.succeed("get", "job", "flaky")
            #expect(table.contains("Failed"), "\(table)")

            let always = Manifest.job("always", command: "true", restartPolicy: "Always")
            let file = lab.directory.appendingPathComponent("test-scratch/always.yaml")
            try Data(always.utf8).write(to: file)
            let result = try await lab.kubectl.run("apply", "-f", file.path)
            #expect(!result.succeeded)
            #expect(result.stderr.contains("spec.template.spec.restartPolicy: Unsupported value: \"Always\""), "\(result)")
        }
    }

    @Test("deleting a Job deletes its pods")
    func deletionCascades() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.job("long", command: "sleep 3600"))
            try await lab.waitForPods("job-name=long", "a running pod") { $0.count == 1 && $0[0].isPodReady }
            #expect(try await lab.object("job", "long")["status"]["active"] == 1)
            try await lab.kubectl.succeed("delete", "job", "long")
            try await lab.waitForPods("job-name=long", "no pods left") { $0.isEmpty }
        }
    }
}

/// CronJobs on a schedule clock where a minute lasts 300 ms.
@Suite("CronJobs")
struct CronJobTests {
    static var fast: LabConfiguration.Timing {
        var timing = LabConfiguration.Timing()
        timing.cronMinute = .milliseconds(300)
        return timing
    }

    @Test("a CronJob fires on the lab's clock: Jobs named after the scheduled minute run to Complete, status follows")
    func fires() async throws {
        try await LabFixture.with(timing: Self.fast) { lab in
            try await lab.kubectl.apply(Manifest.cronJob("tick"))
            let jobs = try await lab.waitForJobs(of: "tick", "a completed job") { $0.contains(where: { $0.isComplete }) }
            let job = try #require(jobs.first(where: { $0.isComplete }))
            let scheduled = try #require(job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"].stringValue)
            let minutes = Int64(try #require(Timestamp.parse(scheduled)).timeIntervalSince1970) / 60
            #expect(job["metadata"]["name"].stringValue == "tick-\(minutes)")
            let cronJob = try await lab.waitFor("cronjob", "tick", "lastSuccessfulTime") { $0["status"]["lastSuccessfulTime"] != .null }
            #expect(cronJob["status"]["lastScheduleTime"].stringValue != nil)
            let table = try await lab.kubectl.succeed("get", "cronjobs")
            #expect(table.contains("SCHEDULE") && table.contains("LAST SCHEDULE"), "\(table)")
            #expect(table.contains("tick") && table.contains("* * * * *"), "\(table)")
            // LAST SCHEDULE is an age on the wall clock, though the schedule clock runs ahead.
            let row = table.split(separator: "\n").first { $0.hasPrefix("tick ") } ?? ""
            #expect(!row.contains("<invalid>") && row.components(separatedBy: "<none>").count == 2, "only TIMEZONE is <none>: \(table)")
        }
    }

    @Test("no Job starts while a CronJob is suspended, and Forbid starts none while one runs")
    func suspendAndForbid() async throws {
        try await LabFixture.with(timing: Self.fast) { lab in
            try await lab.kubectl.apply(Manifest.cronJob("paused", suspend: true))
            try await lab.kubectl.apply(Manifest.cronJob("single", command: "sleep 3600", concurrencyPolicy: "Forbid"))
            try await lab.kubectl.apply(Manifest.cronJob("witness", command: "sleep 3600"))
            // The witness fires every schedule minute: three of its Jobs mean three minutes passed.
            try await lab.waitForJobs(of: "witness", "three jobs") { $0.count >= 3 }
            let single = try await lab.waitForJobs(of: "single", "its first job") { !$0.isEmpty }
            #expect(single.count == 1)
            let paused = try await lab.waitForJobs(of: "paused", "the listing") { _ in true }
            #expect(paused.isEmpty)
            let cronJob = try await lab.object("cronjob", "single")
            #expect(cronJob["status"]["active"].arrayValue?.count == 1)
            _ = try await lab.waitForEvent(about: "single", reason: "JobAlreadyActive")

            try await lab.kubectl.succeed("patch", "cronjob", "paused", "--type=merge", "-p", "{\"spec\":{\"suspend\":false}}")
            try await lab.waitForJobs(of: "paused", "a job once resumed") { !$0.isEmpty }
        }
    }

    @Test("finished Jobs beyond successfulJobsHistoryLimit are deleted with their pods")
    func history() async throws {
        try await LabFixture.with(timing: Self.fast) { lab in
            try await lab.kubectl.apply(Manifest.cronJob("trim", successfulJobsHistoryLimit: 2))
            _ = try await lab.waitForEvent(about: "trim", reason: "SuccessfulDelete")
            try await lab.waitForJobs(of: "trim", "two completed jobs") { $0.filter { $0.isComplete }.count == 2 }
            try await lab.kubectl.succeed("patch", "cronjob", "trim", "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}")
            try await lab.settle()
            let jobs = try await lab.waitForJobs(of: "trim", "the listing") { _ in true }
            #expect(jobs.filter { $0.isComplete }.count <= 2)
            let names = Set(jobs.compactMap { $0["metadata"]["name"].stringValue })
            try await lab.waitForPods("cronjob=trim", "only the pods of kept jobs") { pods in
                pods.allSatisfy { names.contains($0["metadata"]["labels"]["job-name"].stringValue ?? "") }
            }
        }
    }

    @Test("the pod of a CronJob's Job pinned by nodeSelector lands on that node")
    func nodeSelector() async throws {
        try await LabFixture.with(timing: Self.fast) { lab in
            try await lab.kubectl.apply(Manifest.cronJob("pinned", nodeSelector: ["kubernetes.io/hostname": Node.pve]))
            let pods = try await lab.waitForPods("cronjob=pinned", "a scheduled pod") { pods in
                pods.contains { $0["spec"]["nodeName"].stringValue != nil }
            }
            #expect(pods.compactMap { $0["spec"]["nodeName"].stringValue }.allSatisfy { $0 == Node.pve })
        }
    }

    @Test("schedules: steps, ranges, lists, names and descriptors name the minutes cron names")
    func schedules() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = try #require(Timestamp.parse("2026-01-05T10:02:30Z"))  // a Monday
        func next(_ spec: String) throws -> String {
            Timestamp.string(try #require(try CronSchedule(parsing: spec).next(after: start, calendar: calendar)))
        }
        #expect(try next("*/5 * * * *") == "2026-01-05T10:05:00Z")
        #expect(try next("0 9-17/4 * * *") == "2026-01-05T13:00:00Z")
        #expect(try next("30 2 * * sat,SUN") == "2026-01-10T02:30:00Z")
        #expect(try next("0 0 1 feb *") == "2026-02-01T00:00:00Z")
        #expect(try next("@hourly") == "2026-01-05T11:00:00Z")
        #expect(try next("@daily") == "2026-01-06T00:00:00Z")
        // Both day fields restricted: either matches (the 10th, or a Wednesday).
        #expect(try next("0 0 10 * wed") == "2026-01-07T00:00:00Z")
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(parsing: "*/5 * * *") }
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(parsing: "0 24 * * *") }
    }
}
