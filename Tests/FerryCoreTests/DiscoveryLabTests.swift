import FerryCore
import FerryJSON
import FerryLab
import FerryTestSupport
import Foundation
import Testing

/// `ferry plan`'s discovery against the frigate-coral lab, over the real protocols:
/// the Kubernetes API, the Proxmox VE API, SSH and the guest agent, and git.
@Suite("Discovering a plan from the lab")
struct DiscoveryLabTests {
    @Test("the reference scenario gives the docs example, with each value's basis in a comment")
    func referenceScenario() async throws {
        try await DiscoveryLab.with { lab in
            let discovered = try await lab.plan()
            // The scenario has a Service in front of Frigate, as the blueprint's homelab: the plan is the example exactly.
            #expect(discovered.plan == (try lab.expectedPlan()))
            #expect(try PlanParser.parse(discovered.yaml, file: "plan.yaml") == discovered.plan)

            let text = discovered.yaml
            let pod = try #require(await lab.lab.kube.store.list(ResourceCatalog.pods, namespace: "frigate").first)
            let podName = try #require(pod["metadata"]["name"].stringValue)
            let claim = try #require(await lab.lab.kube.store.find(
                ObjectKey(ResourceCatalog.persistentVolumeClaims, namespace: "frigate", name: "frigate-config")))
            let pv = try #require(claim["spec"]["volumeName"].stringValue)
            for line in [
                "# runs on k3s-vm-pumped-piglet-gpu: pod \(podName)\n",
                "# VM 105 on pumped-piglet: VM name matches the node name\n",
                "# VM 108 on still-fawn: VM name matches the node name\n",
                "  # node-bound: PV \(pv) has nodeAffinity kubernetes.io/hostname=k3s-vm-pumped-piglet-gpu (storage class local-path)\n  - claim: frigate-config\n",
                "# the nodeSelector has coral.ai/tpu=usb: k3s-vm-pumped-piglet-gpu has it, k3s-vm-still-fawn does not.\n",
                "  # Coral USB Accelerator, passed to VM 105 on pumped-piglet as usb0: host=1a6e:089a,usb3=1 and usb1: host=18d1:9302,usb3=1;",
                "# hostpci0: 0000:01:00.0,pcie=1 stays in VM 105 on pumped-piglet",
                "  # nvidia: k3s-vm-still-fawn has no runtime handler nvidia (its status.runtimeHandlers: runc).\n",
                "  # k3s-vm-still-fawn has no nvidia.com/gpu (not in its allocatable resources).\n",
                "preset-nvidia-h264 needs an NVIDIA GPU, which k3s-vm-still-fawn lacks; VM 108 has /dev/dri (card0, renderD128: `ls /dev/dri` through the guest agent), so VA-API",
                "  # the clone given with --repo; its origin is file://",
                "  # apps/frigate/configmap.yaml defines ConfigMap frigate-config (mounted as volume config-file).\n",
                "  # Frigate answers /api/version on port 5000, behind Service frigate.\n",
                "# The target VM reboots to take the device (its hotplug option (network,disk) lacks usb; "
                    + "`qm set 108 --hotplug network,disk,usb` would avoid the reboot).\n",
            ] {
                #expect(text.contains(line), "missing: \(line)\n\(text)")
            }
            #expect(!discovered.notes.all.contains { $0.hasPrefix("WARNING") }, "\(discovered.notes.all)")

            // With Proxmox's defaults VM 108 hot-plugs USB: the plan says it does not reboot.
            try await lab.lab.homelab!.updateConfig(108, set: [:], delete: ["hotplug"])
            let hotplug = try await lab.plan().yaml
            #expect(hotplug.contains("# VM 108 hot-plugs USB (its hotplug option, machine and OS type allow it): it takes the device without a reboot, "
                                     + "and the pods on k3s-vm-still-fawn keep running.\n"), "\(hotplug)")
        }
    }

    @Test("a target host with an NVIDIA card of its own: the plan passes it (move: false) and Frigate keeps its GPU, runtime class and preset")
    func ownGPU() async throws {
        try await DiscoveryLab.with { lab in
            try await lab.lab.homelab!.install(.nvidiaGPU(name: "gpu-fawn", host: "still-fawn", address: "0000:02:00.0", iommuGroup: 31))
            let discovered = try await lab.plan()
            let plan = discovered.plan
            #expect(plan.devices.map(\.name) == ["coral", "gpu"])
            #expect(plan.devices.last == MigrationPlan.Device(
                name: "gpu", selector: .pci(.init(ids: ["10de:2204"], allFunctions: false, pcie: true)),
                resource: "nvidia.com/gpu", runtimeClass: "nvidia", move: false))
            #expect(plan.drivers.map(\.name).contains("nvidia"))
            let removed = plan.manifestChanges.map { $0.path.joined(separator: ".") }
            #expect(!removed.contains { $0.contains("nvidia.com/gpu") || $0.hasSuffix("runtimeClassName") }, "\(removed)")
            #expect(!discovered.yaml.contains("preset-vaapi"), "\(discovered.yaml)")
        }
    }

    @Test("an unknown workload, an unknown target, the source as target and a node without a VM are refused with the fix")
    func refusals() async throws {
        try await DiscoveryLab.with { lab in
            let missing = await lab.planError("frigate/nvr")
            #expect(missing?.code == .workloadNotFound)
            #expect(missing?.description == "there is no Deployment or StatefulSet named nvr in namespace frigate: "
                + "check the workload with `kubectl get deployments,statefulsets -A`, and give it as NAMESPACE/NAME")
            #expect(await lab.planError("cctv/frigate")?.description.hasPrefix("there is no namespace cctv in the cluster: ") == true)

            let typo = await lab.planError(to: "k3s-vm-still-fwn")
            #expect(typo?.code == .badTarget)
            #expect(typo?.description == "there is no node named k3s-vm-still-fwn in the cluster: did you mean k3s-vm-still-fawn? "
                + "the nodes are k3s-vm-pumped-piglet-gpu, k3s-vm-pve, k3s-vm-still-fawn (`kubectl get nodes`)")

            let same = await lab.planError(to: "k3s-vm-pumped-piglet-gpu")
            #expect(same?.code == .badTarget)
            #expect(same?.description == "Deployment frigate/frigate already runs on k3s-vm-pumped-piglet-gpu: "
                + "give --to another node (k3s-vm-pve, k3s-vm-still-fawn)")

            try await lab.lab.kube.create(Self.node("k3s-vm-spare", systemUUID: "0e8c0ffe-0000-4000-8000-000000000001"))
            let noVM = await lab.planError(to: "k3s-vm-spare")
            #expect(noVM?.code == .noVM)
            let text = noVM?.description ?? ""
            #expect(text.hasPrefix("no Proxmox VM is node k3s-vm-spare: no VM is named k3s-vm-spare and none has the node's systemUUID"))
            #expect(text.contains("(the VMs: 105 k3s-vm-pumped-piglet-gpu on pumped-piglet, 107 k3s-vm-pve on pve, 108 k3s-vm-still-fawn on still-fawn)"))
            #expect(text.hasSuffix("Name the VM like the node (`qm set VMID --name k3s-vm-spare`), or check that the kubeconfig and PROXMOX_VE_ENDPOINT belong to the same homelab"))
        }
    }

    @Test("a node named unlike its VM is found by the VM's SMBIOS uuid")
    func systemUUID() async throws {
        try await DiscoveryLab.with { lab in
            let config = try await lab.connections.proxmox.vmConfig(node: "still-fawn", vmid: 108)
            let smbios = try #require(config["smbios1"])
            let uuid = String(try #require(smbios.split(separator: "=").last)).uppercased()
            try await lab.lab.kube.create(Self.node("worker-b", systemUUID: uuid))
            let discovered = try await lab.plan(to: "worker-b")
            #expect(discovered.plan.target == .init(node: "worker-b", vm: "k3s-vm-still-fawn", vmid: 108, host: "still-fawn"))
            #expect(discovered.notes[.section("target")].contains(
                "VM 108 (k3s-vm-still-fawn) on still-fawn: its smbios1 uuid is the node's systemUUID \(uuid.lowercased())"))
            #expect(discovered.plan.manifestChanges.first?.edit == .set("worker-b"))
        }
    }

    @Test("the clone: not a clone is refused; a clone of another repository is used with a warning")
    func clone() async throws {
        try await DiscoveryLab.with { lab in
            let notAClone = lab.directory.appendingPathComponent("nodes", isDirectory: true)
            let error = await lab.planError(repo: notAClone)
            #expect(error?.code == .gitops)
            #expect(error?.description.hasPrefix("--repo \(notAClone.path) is not a git clone (") == true)

            let git = try await TestProcess.run(
                "/usr/bin/git", ["-C", lab.clone.path, "remote", "set-url", "origin", "https://git.example.com/me/other.git"],
                scratch: lab.directory)
            try #require(git.status == 0, "\(git.stderr)")
            let discovered = try await lab.plan()
            let repoNotes = discovered.notes[.field("gitops", "repo")]
            #expect(repoNotes.contains { $0.hasPrefix("WARNING: its origin is https://git.example.com/me/other.git, but Flux reads file://") })
            #expect(discovered.plan.gitops?.repo == lab.clone.path)
        }
    }

    static func node(_ name: String, systemUUID: String? = nil) -> JSON {
        var node: JSON = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": ["kubernetes.io/hostname": .string(name)]],
            "status": ["allocatable": ["cpu": "4", "memory": "8Gi", "pods": "110"]],
        ]
        if let systemUUID { node[path: ["status", "nodeInfo", "systemUUID"]] = .string(systemUUID) }
        return node
    }
}
