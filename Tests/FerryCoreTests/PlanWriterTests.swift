import Testing

@testable import FerryCore

@Suite("Writing plans")
struct PlanWriterTests {
    @Test("the example renders to YAML that parses to the same plan")
    func roundTrip() throws {
        let plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        let text = plan.yaml
        #expect(try PlanParser.parse(text, file: "rendered.yaml") == plan)
        #expect(text.contains("# ferry migration plan: move frigate/frigate from k3s-vm-pumped-piglet-gpu to k3s-vm-still-fawn."))
        #expect(text.contains("    ids:\n      - 1a6e:089a\n      - 18d1:9302\n    usb3: true\n"))
        #expect(text.contains("    path: [spec, template, spec, nodeSelector, kubernetes.io/hostname]\n    set: k3s-vm-still-fawn\n"))
    }

    @Test("values YAML would read as something else are quoted, and still round-trip")
    func quoting() throws {
        let plan = MigrationPlan(
            name: "odd",
            workload: .init(namespace: "default", kind: .statefulSet, name: "db"),
            source: .init(node: "a", vm: "a", vmid: 100, host: "pve1"),
            target: .init(node: "b", vm: "b", vmid: 999_999_999, host: "pve2"),
            devices: [
                .init(name: "stick", selector: .usb(.init(port: "1-1.4"))),
                .init(name: "mapped", selector: .usb(.init(mapping: "coral", usb3: true))),
            ],
            nodeLabel: .init(key: "feature", value: ""),
            volumes: [.init(claim: "data", action: .discard), .init(claim: "nfs", action: .keep)],
            gitops: .init(repo: "/srv/git ops", kustomization: .init(name: "db"), gitRepository: .init(namespace: "infra", name: "repo"),
                          files: ["db/sts.yaml"]),
            manifestChanges: [
                .init(file: "db/sts.yaml", document: "StatefulSet/db", path: ["spec", "replicas"], edit: .set("1")),
                .init(file: "db/sts.yaml", path: ["metadata", "annotations", "a,b"], edit: .set("yes")),
                .init(file: "db/sts.yaml", path: ["data", "cfg"], edit: .replace(from: "key: \"old\" # x", to: "line1\nline2")),
            ],
            drivers: [.init(name: "tools", check: "true")],
            verify: [
                .init(.command("test -e /dev/dri/renderD128"), container: "db"),
                .init(.http(url: "https://db.example:8443/healthz", from: .local, status: 204), timeout: .seconds(90)),
            ],
            timeouts: .init(ssh: .seconds(10), volumeCopy: .hours(6)))
        let text = plan.yaml
        #expect(try PlanParser.parse(text, file: "rendered.yaml") == plan)
        #expect(text.contains(#"set: "1""#))
        #expect(text.contains(#"set: "yes""#))
        #expect(text.contains("  value: \"\"\n"))
        #expect(text.contains("timeout: 1m30s"))
    }

    @Test("a PCI card and a device the target has of its own render and parse back")
    func devicesRoundTrip() throws {
        var plan = try PlanParser.parse(PlanFixtures.frigate, file: "migration.yaml")
        plan.devices.append(.init(
            name: "gpu", selector: .pci(.init(ids: ["10de:2484"], subsystem: "1458:404c", allFunctions: false, pcie: true)),
            resource: "nvidia.com/gpu", move: false))
        plan.devices.append(.init(name: "rtx", selector: .pci(.init(mapping: "rtx", primaryGPU: true)), move: false))
        let text = plan.yaml
        #expect(text.contains("    move: false\n"))
        #expect(try PlanParser.parse(text, file: "rendered.yaml") == plan)
    }

    @Test("durations print in their shortest form and parse back")
    func durations() {
        #expect(PlanDuration(parsing: "90s") == .seconds(90))
        #expect(PlanDuration.seconds(90).description == "1m30s")
        #expect(PlanDuration(parsing: "1h30m") == .minutes(90))
        #expect(PlanDuration.hours(2).description == "2h")
        for bad in ["", "5", "m", "5x", "1m1h", "0s", "-5s", "1.5m", "5 m"] {
            #expect(PlanDuration(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test("PCI ids are VENDOR:DEVICE in hex, lowercased")
    func pciIDs() throws {
        #expect(try PlanValidation.pciID("10DE:2484").get() == "10de:2484")
        for bad in ["10de", "10de:248", "0000:01:00.0", "zzzz:2484", "10de:2484:0"] {
            #expect(throws: PlanValidation.Failure.self, "\(bad)") { try PlanValidation.pciID(bad).get() }
        }
    }

    @Test("label keys and values follow Kubernetes' rules")
    func labels() {
        for good in ["coral.ai/tpu", "tpu", "kubernetes.io/hostname", "A_b.c-D"] { #expect(PlanValidation.labelKey(good) == nil, "\(good)") }
        for bad in ["/tpu", "coral.ai/", "Coral.AI/tpu", "a/b/c", "-x", String(repeating: "a", count: 64)] {
            #expect(PlanValidation.labelKey(bad) != nil, "\(bad)")
        }
        #expect(PlanValidation.labelValue("") == nil)
        #expect(PlanValidation.labelValue("usb_3.0") == nil)
        #expect(PlanValidation.labelValue("usb 3") != nil)
    }
}
