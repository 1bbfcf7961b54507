import FerryGitOps
import Foundation
import Testing

@testable import FerryCore

/// The gitops rules of docs/PLAN.md that depend on where the plan file is, and the
/// manifest change paths the parser accepts.
@Suite("Plan gitops rules")
struct PlanGitOpsTests {
    func plan(repo: String = "~/homelab-gitops", branch: String = "branch: main", path: String = "[spec, replicas]",
              document: String = "") -> String {
        PlanFixtures.frigate
            .replacingOccurrences(of: "repo: ~/homelab-gitops", with: "repo: \(repo)")
            .replacingOccurrences(of: "branch: main", with: branch)
            .replacingOccurrences(of: "path: [spec, template, spec, runtimeClassName]", with: "path: \(path)\(document)")
    }

    func problems(_ text: String) throws -> [String] {
        let error = try #require(throws: PlanError.self) { try PlanParser.parse(text, file: "plans/migration.yaml", home: "/home/me") }
        return error.problems.map(\.description)
    }

    @Test("~ is the home directory the caller names; the plan keeps repo as written")
    func home() throws {
        let parsed = try PlanParser.parse(plan(), file: "plans/migration.yaml", home: "/home/me")
        #expect(parsed.gitops?.repoDirectory == "/home/me/homelab-gitops")
        #expect(parsed.gitops?.repo == "~/homelab-gitops")
        #expect(parsed.yaml.contains("  repo: ~/homelab-gitops\n"))
    }

    @Test("a relative repo is taken from the plan file's directory, an absolute one as written")
    func relative() throws {
        #expect(try PlanParser.parse(plan(repo: "../gitops"), file: "plans/migration.yaml").gitops?.repoDirectory
            == "plans/../gitops")
        #expect(try PlanParser.parse(plan(repo: "gitops"), file: "/srv/lab/migration.yaml").gitops?.repoDirectory
            == "/srv/lab/gitops")
        #expect(try PlanParser.parse(plan(repo: "gitops"), file: "m.yaml", directory: "/tmp/lab").gitops?.repoDirectory
            == "/tmp/lab/gitops")
        #expect(try PlanParser.parse(plan(repo: "gitops"), file: "m.yaml").gitops?.repoDirectory == "gitops")
        #expect(try PlanParser.parse(plan(repo: "/srv/gitops"), file: "plans/m.yaml").gitops?.repoDirectory == "/srv/gitops")
    }

    @Test("~user is not guessed at")
    func otherHome() throws {
        #expect(try problems(plan(repo: "~bob/gitops")) == [
            #"plans/migration.yaml:44:9: gitops.repo: ferry expands only "~" and "~/" (your own home directory): write the full path of the clone, e.g. /home/NAME/gitops"#,
        ])
    }

    @Test("no branch means the clone's current branch; a name git refuses is an error")
    func branch() throws {
        #expect(try PlanParser.parse(plan(branch: "branch:"), file: "m.yaml").gitops?.branch == nil)
        #expect(try PlanParser.parse(plan(branch: ""), file: "m.yaml").gitops?.branch == nil)
        #expect(try problems(plan(branch: "branch: --force")) == [
            #"plans/migration.yaml:45:11: gitops.branch: "--force" is not a branch name git accepts: it starts with "-": write the branch as `git branch` shows it, e.g. main, or leave branch out for the clone's current branch"#,
        ])
        #expect(try problems(plan(branch: "branch: my branch")).first?.contains("it contains a space") == true)
    }

    @Test("a path component name=VALUE picks a list item; an empty side is an error at its column")
    func pathComponents() throws {
        let parsed = try PlanParser.parse(plan(path: "[spec, containers, name=frigate, image]"), file: "m.yaml")
        #expect(parsed.manifestChanges[1].manifestEdit.path
            == ManifestPath([.key("spec"), .key("containers"), .item(field: "name", value: "frigate"), .key("image")]))
        #expect(try problems(plan(path: "[spec, containers, name=, image]")) == [
            #"plans/migration.yaml:57:30: manifestChanges[1].path[2]: "name=" is not a list item selector: write FIELD=VALUE with both sides, e.g. name=frigate"#,
        ])
    }

    @Test("document is KIND/NAME")
    func document() throws {
        let parsed = try PlanParser.parse(plan(document: "\n    document: Deployment/frigate"), file: "m.yaml")
        #expect(parsed.manifestChanges[1].manifestEdit.document == DocumentSelector(kind: "Deployment", name: "frigate"))
        #expect(try problems(plan(document: "\n    document: frigate")) == [
            #"plans/migration.yaml:58:15: manifestChanges[1].document: "frigate" does not name a document: write KIND/NAME as kubectl does, e.g. Deployment/frigate"#,
        ])
    }

    @Test("changes are grouped by file, in plan order, as editor edits")
    func grouped() throws {
        let parsed = try PlanParser.parse(PlanFixtures.frigate, file: "m.yaml")
        let groups = parsed.manifestEditsByFile
        #expect(groups.map(\.file) == ["apps/frigate/deployment.yaml", "apps/frigate/configmap.yaml"])
        #expect(groups.map(\.edits.count) == [3, 1])
        #expect(groups[0].edits[0] == ManifestEdit(
            path: ["spec", "template", "spec", "nodeSelector", "kubernetes.io/hostname"], operation: .set("k3s-vm-still-fawn")))
        #expect(groups[1].edits[0].operation == .replace(from: "preset-nvidia-h264", to: "preset-vaapi"))
    }
}
