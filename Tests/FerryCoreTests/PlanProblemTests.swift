import Testing

@testable import FerryCore

/// Each class of problem, with its exact message and position.
@Suite("Plan problems")
struct PlanProblemTests {
    /// A valid head (apiVersion to target) followed by `rest`; line 14 is the first of `rest`.
    static func plan(_ rest: String, target: String = "k3s-vm-still-fawn", vmid: String = "108") -> String {
        """
        apiVersion: ferry.dev/v1alpha1
        kind: MigrationPlan
        metadata:
          name: test
        workload:
          namespace: frigate
          name: frigate
        source:
          node: k3s-vm-pumped-piglet-gpu
          vm: k3s-vm-pumped-piglet-gpu
          vmid: 105
          host: pumped-piglet
        target: {node: \(target), vm: k3s-vm-still-fawn, vmid: \(vmid), host: still-fawn}

        """ + rest
    }

    static func problems(_ text: String) -> [String] {
        do {
            _ = try PlanParser.parse(text, file: "migration.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("a bad USB id is reported at the id, with the expected form")
    func usbID() {
        let text = Self.plan("""
            devices:
              - name: coral
                type: usb
                ids: [1a6e:089a, "1a6e:08"]
            """)
        #expect(Self.problems(text) == [
            #"migration.yaml:17:22: devices[0].ids[1]: "1a6e:08" is not a USB id: expected VENDOR:PRODUCT with 4 hex digits each, e.g. 1a6e:089a"#,
        ])
    }

    @Test("an unknown key gets a did-you-mean hint when a known key is close")
    func unknownKey() {
        let text = Self.plan("""
            devices:
              - name: coral
                type: usb
                ids: [1a6e:089a]
                usb4: true
            nodeLable: {key: coral.ai/tpu, value: usb}
            """)
        #expect(Self.problems(text) == [
            #"migration.yaml:18:5: devices[0].usb4: unknown key "usb4": did you mean "usb3"?"#,
            #"migration.yaml:19:1: nodeLable: unknown key "nodeLable": did you mean "nodeLabel"?"#,
        ])
    }

    @Test("an unknown key with nothing close lists the known keys")
    func unknownKeyFar() {
        let text = Self.plan("volumes:\n  - claim: data\n    whatever: 1\n")
        #expect(Self.problems(text) == [
            #"migration.yaml:16:5: volumes[0].whatever: unknown key "whatever": expected one of: claim, action, image"#,
        ])
    }

    @Test("a value of the wrong type names what was expected and what was found")
    func wrongType() {
        let text = Self.plan("volumes: {claim: data}\ndevices:\n  - name: coral\n    type: usb\n    port: 2-1\n    usb3: \"yes\"\n")
        #expect(Self.problems(text) == [
            "migration.yaml:14:10: volumes: expected a list, found a mapping",
            #"migration.yaml:19:11: devices[0].usb3: expected true or false, found a string ("yes")"#,
        ])
    }

    @Test("a quoted VMID is the wrong type, with the fix as the hint")
    func quotedVMID() {
        #expect(Self.problems(Self.plan("", vmid: "\"108\"")) == [
            #"migration.yaml:13:64: target.vmid: expected an integer, found a string ("108"): write it without quotes: 108"#,
        ])
    }

    @Test("a VMID out of range")
    func vmidRange() {
        #expect(Self.problems(Self.plan("", vmid: "99")) == [
            "migration.yaml:13:64: target.vmid: 99 is not a valid VMID: Proxmox VMIDs are 100 to 999999999",
        ])
    }

    @Test("names follow DNS-1123 and label keys Kubernetes' rules")
    func names() {
        let text = Self.plan("nodeLabel:\n  key: coral.ai/tpu/usb\n  value: -usb\n", target: "K3s_fawn")
        #expect(Self.problems(text) == [
            #"migration.yaml:13:16: target.node: "K3s_fawn" is not a valid node name: \#(PlanValidation.dnsSubdomainHint)"#,
            #"migration.yaml:15:8: nodeLabel.key: "coral.ai/tpu/usb" is not a valid label key: expected [PREFIX/]NAME: a DNS subdomain prefix, and a name of at most 63 letters, digits, '-', '_' and '.' starting and ending with a letter or digit, e.g. coral.ai/tpu"#,
            #"migration.yaml:16:10: nodeLabel.value: "-usb" is not a valid label value: expected at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"#,
        ])
    }

    @Test("missing required fields are reported at the mapping that lacks them")
    func missing() {
        let text = """
            apiVersion: ferry.dev/v1alpha1
            kind: MigrationPlan
            metadata:
              name: test
            workload:
              namespace: frigate
            source: {node: a, vm: a, vmid: 105}
            """
        #expect(Self.problems(text) == [
            #"migration.yaml:1:1: missing required field "target""#,
            #"migration.yaml:6:3: workload: missing required field "name""#,
            #"migration.yaml:7:9: source: missing required field "host""#,
        ])
    }

    @Test("USB port paths, PCI cards by address, durations and URLs are checked")
    func values() {
        let text = Self.plan("""
            devices:
              - {name: coral, type: usb, port: "2.1"}
              - {name: gpu, type: pci, address: "01:00.9"}
            verify:
              - http: ftp://frigate/api
            timeouts:
              vmBoot: 5 minutes
              podReady: 300
            """)
        #expect(Self.problems(text) == [
            #"migration.yaml:15:36: devices[0].port: "2.1" is not a USB port path: expected BUS-PORT[.PORT...], e.g. 2-1 or 1-1.4 (see `lsusb -t` on the host)"#,
            "migration.yaml:16:5: devices[1]: a PCI device needs one of: ids, mapping",
            "migration.yaml:16:28: devices[1].address: a PCI card is not named by its address: on another host it sits at another one: name it by its ids, ids: [VENDOR:DEVICE] (`lspci -nn -s ADDRESS` on the host prints them in brackets)",
            #"migration.yaml:18:11: verify[0].http: "ftp://frigate/api" is not an HTTP URL: expected http:// or https:// and a host, e.g. http://frigate.frigate.svc:5000/api/version"#,
            #"migration.yaml:20:11: timeouts.vmBoot: "5 minutes" is not a duration: expected a number with a unit, e.g. 30s, 5m, 2h or 1m30s"#,
            "migration.yaml:21:13: timeouts.podReady: 300 has no unit: write a unit: 300s, 300m or 300h",
        ])
    }

    @Test("a volume action must be one of move, keep, discard")
    func volumeAction() {
        let text = Self.plan("volumes:\n  - claim: media\n    action: dicsard\n")
        #expect(Self.problems(text) == [
            #"migration.yaml:16:13: volumes[0].action: "dicsard" is not accepted here: did you mean "discard"? expected one of: move, keep, discard"#,
        ])
    }

    @Test("a volume's helper image must be an image reference; a mirror's is kept as written")
    func volumeImage() throws {
        let bad = Self.plan("volumes:\n  - claim: media\n    image: Registry.Home/Rsync SSH\n")
        #expect(Self.problems(bad) == [
            #"migration.yaml:16:12: volumes[0].image: "Registry.Home/Rsync SSH" is not a container image reference: expected [REGISTRY[:PORT]/]PATH[:TAG][@sha256:DIGEST] with a lowercase path, e.g. registry.home.lan/instrumentisto/rsync-ssh:alpine"#,
        ])
        let mirror = "registry.home.lan:5000/mirror/instrumentisto/rsync-ssh:alpine"
        let plan = try PlanParser.parse(Self.plan("volumes:\n  - claim: media\n    image: \(mirror)\n  - claim: db\n"), file: "m.yaml")
        #expect(plan.volumes.map(\.image) == [mirror, nil])
        #expect(try PlanParser.parse(plan.yaml, file: "rendered.yaml") == plan)
    }

    @Test("several problems in several sections are reported together, in file order")
    func several() throws {
        let text = Self.plan("""
            devices:
              - name: coral
                type: usb
                ids: [1a6e:089a, 18d1:930g]
                port: 2-1
            volumes:
              - claim: Frigate-Media
            verify:
              - log: TPU found
                status: 200
            """, vmid: "42")
        let problems = Self.problems(text)
        #expect(problems == [
            "migration.yaml:13:64: target.vmid: 42 is not a valid VMID: Proxmox VMIDs are 100 to 999999999",
            #"migration.yaml:17:22: devices[0].ids[1]: "18d1:930g" is not a USB id: expected VENDOR:PRODUCT with 4 hex digits each, e.g. 1a6e:089a"#,
            #"migration.yaml:18:5: devices[0].port: "ids" and "port" cannot be used together: keep one of them"#,
            #"migration.yaml:20:12: volumes[0].claim: "Frigate-Media" is not a valid PersistentVolumeClaim name: \#(PlanValidation.dnsSubdomainHint)"#,
            #"migration.yaml:23:5: verify[0].status: "status" applies only to an http check"#,
        ])
        do {
            _ = try PlanParser.parse(text, file: "migration.yaml")
        } catch {
            #expect(error.problems.map(\.kind) == [.invalidValue, .invalidValue, .conflict, .invalidValue, .unknownKey])
            #expect(error.description.hasSuffix("migration.yaml: 5 problems; fix the plan and run the command again."))
        }
    }

    @Test("a manifest change must name a file of gitops.files and one edit")
    func manifestChanges() {
        let text = Self.plan("""
            gitops:
              repo: ~/gitops
              kustomization: frigate
              files: [apps/frigate/deployment.yaml]
            manifestChanges:
              - file: apps/frigate/configmap.yaml
                path: data.config
                remove: true
                set: x
            """)
        #expect(Self.problems(text) == [
            #"migration.yaml:19:11: manifestChanges[0].file: "apps/frigate/configmap.yaml" is not one of gitops.files: add it to gitops.files, or fix the name: apps/frigate/deployment.yaml"#,
            #"migration.yaml:20:11: manifestChanges[0].path: expected a list of keys, found a string ("data.config"): \#(PlanParser.pathHint)"#,
            #"migration.yaml:21:5: manifestChanges[0].remove: "set" and "remove" cannot be used together: write one change per entry"#,
        ])
    }

    @Test("wrong apiVersion and kind, and a YAML syntax error")
    func header() {
        let header = Self.problems("apiVersion: v1\nkind: Deployment\n")
        #expect(header.contains(#"migration.yaml:1:13: apiVersion: "v1" is not a plan version ferry reads: expected ferry.dev/v1alpha1"#))
        #expect(header.contains(#"migration.yaml:2:7: kind: "Deployment" is not a plan: expected MigrationPlan"#))
        #expect(header.contains(#"migration.yaml:1:1: missing required field "workload""#))
        let syntax = Self.problems("workload:\n  name: [frigate\n")
        #expect(syntax.count == 1)
        #expect(syntax.first?.hasPrefix("migration.yaml:3:1: ") == true)
    }

    @Test("an empty file, a file that is not a mapping, a duplicate key")
    func shapes() {
        #expect(Self.problems("# nothing yet\n") == ["migration.yaml:1:1: the plan is empty: start from the example in docs/PLAN.md"])
        #expect(Self.problems("- a\n- b\n") == ["migration.yaml:1:1: expected a mapping, found a list"])
        #expect(Self.problems("kind: MigrationPlan\nkind: MigrationPlan\n") == [
            #"migration.yaml:1:1: the mapping that starts here has "kind" more than once: the file is not valid YAML"#,
        ])
    }

    @Test("a PCI card is named by its ids or a mapping; its board's id is checked; carried or the target's own, it is kept")
    func pciDevices() throws {
        let text = Self.plan("""
            devices:
              - {name: gpu, type: pci, ids: [10de:2484], subsystem: 1458:40, move: false}
              - {name: gpu2, type: pci, ids: [10de:2484], mapping: rtx}
            """)
        #expect(Self.problems(text) == [
            #"migration.yaml:15:57: devices[0].subsystem: "1458:40" is not a PCI id: expected VENDOR:DEVICE with 4 hex digits each, e.g. 10de:2484 (`lspci -nn` on the host prints it in brackets)"#,
            #"migration.yaml:16:47: devices[1].mapping: "ids" and "mapping" cannot be used together: keep one of them"#,
        ])
        let good = try PlanParser.parse(Self.plan("""
            devices:
              - {name: gpu, type: pci, ids: [10DE:2484], subsystem: 1458:404C, resource: nvidia.com/gpu}
              - {name: own, type: pci, mapping: rtx, move: false}
            """), file: "migration.yaml")
        #expect(good.devices == [
            .init(name: "gpu", selector: .pci(.init(ids: ["10de:2484"], subsystem: "1458:404c")), resource: "nvidia.com/gpu"),
            .init(name: "own", selector: .pci(.init(mapping: "rtx")), move: false),
        ])
    }

    @Test("a device's keys must fit its type, and it needs a selector")
    func deviceTypes() {
        let text = Self.plan("""
            devices:
              - {name: gpu, type: pci, ids: [10de:2484], move: false, usb3: true}
              - {name: coral, type: usb}
              - {name: thing, type: firewire}
            """)
        #expect(Self.problems(text) == [
            #"migration.yaml:15:59: devices[0].usb3: "usb3" does not apply to a pci device: a pci device takes: name, type, ids, subsystem, mapping, allFunctions, pcie, primaryGPU, resource, runtimeClass, move"#,
            "migration.yaml:16:5: devices[1]: a USB device needs one of: ids, port, mapping",
            #"migration.yaml:17:25: devices[2].type: "firewire" is not a device type: expected usb or pci"#,
        ])
    }

    @Test("a field written without a value, an empty command, a device listed twice")
    func emptyValues() {
        let text = Self.plan("""
            devices:
              - {name: coral, type: usb, ids: [1a6e:089a]}
              - {name: coral, type: usb, port: 2-1}
            drivers:
              - name: libedgetpu
                check: " "
            nodeLabel:
              key: coral.ai/tpu
              value:
            """)
        #expect(Self.problems(text) == [
            #"migration.yaml:16:12: devices[1].name: device "coral" is listed twice: give each device its own name"#,
            #"migration.yaml:19:12: drivers[0].check: the value is empty"#,
            #"migration.yaml:22:3: nodeLabel.value: "value" has no value"#,
        ])
    }

    @Test("a value of megabytes is quoted by its first 80 characters and its length, never whole")
    func longValuesCut() {
        let value = String(repeating: "x", count: 5_000_000) + "!"
        let key = String(repeating: "k", count: 200)
        let problems = Self.problems(Self.plan("nodeLabel: {key: coral.ai/tpu, value: \"\(value)\"}\n\(key): 1\n"))
        let x80 = String(repeating: "x", count: 80), k80 = String(repeating: "k", count: 80)
        #expect(problems.first == """
            migration.yaml:14:39: nodeLabel.value: "\(x80)…" (5000001 characters) is not a valid label value: \
            expected at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit
            """)
        #expect(problems.last?.hasPrefix("""
            migration.yaml:15:1: \(k80)… (200 characters): unknown key "\(k80)…" (200 characters): expected one of: apiVersion,
            """) == true)
        #expect(problems.count == 2)
        #expect(problems.joined().count < 1_000)
    }
}
