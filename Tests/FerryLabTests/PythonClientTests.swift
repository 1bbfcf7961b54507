import FerryJSON
import FerryTestSupport
import Foundation
import Testing

@testable import FerryLab

/// The official Kubernetes Python client against the `frigate-coral` lab: its typed
/// APIs deserialize into strict models (pydantic), which raise on what a real
/// apiserver never returns, such as a number where a quantity string belongs.
@Suite("The official Kubernetes Python client")
struct PythonClientTests {
    /// Lists through the typed APIs, creates an Ingress and a Traefik IngressRoute,
    /// and prints the counts as JSON. Any validation error ends it with a traceback.
    static let script = #"""
        import json, sys
        from kubernetes import client, config, dynamic

        config.load_kube_config(config_file=sys.argv[1])
        core, apps, net = client.CoreV1Api(), client.AppsV1Api(), client.NetworkingV1Api()
        ext, custom, batch = client.ApiextensionsV1Api(), client.CustomObjectsApi(), client.BatchV1Api()

        net.create_namespaced_ingress("frigate", client.V1Ingress(
            metadata=client.V1ObjectMeta(name="frigate"),
            spec=client.V1IngressSpec(rules=[client.V1IngressRule(host="frigate.home.arpa")])))
        custom.create_namespaced_custom_object("traefik.io", "v1alpha1", "frigate", "ingressroutes", {
            "apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {"name": "frigate"},
            "spec": {"entryPoints": ["websecure"], "routes": [{"match": "Host(`frigate.home.arpa`)", "kind": "Rule",
                     "services": [{"name": "frigate", "port": 5000}]}]}})

        # A raw body, as kubectl apply sends YAML: a bare number where a quantity belongs.
        dynamic.DynamicClient(client.ApiClient()).resources.get(api_version="batch/v1", kind="CronJob").create(namespace="frigate", body={
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "frigate-healthcheck"},
            "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{
                    "name": "check", "image": "alpine:3.20", "command": ["sh", "-c", "true"],
                    "resources": {"limits": {"cpu": 0.1}}}]}}}}}})

        pods = core.list_pod_for_all_namespaces().items
        deployments = apps.list_deployment_for_all_namespaces().items
        frigate = next(d for d in deployments if d.metadata.name == "frigate")
        gpu = frigate.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]
        pod_gpu = [p.spec.containers[0].resources.limits.get("nvidia.com/gpu")
                   for p in pods if p.metadata.namespace == "frigate" and p.spec.containers[0].resources.limits]
        crds = ext.list_custom_resource_definition().items
        print(json.dumps({
            "pods": len(pods),
            "deployments": len(deployments),
            "statefulsets": len(apps.list_stateful_set_for_all_namespaces().items),
            "services": len(core.list_service_for_all_namespaces().items),
            "secrets": len(core.list_secret_for_all_namespaces().items),
            "ingresses": len(net.list_ingress_for_all_namespaces().items),
            "ingressclasses": [c.metadata.name for c in net.list_ingress_class().items],
            "crds": len(crds),
            "established": all(any(c.type == "Established" and c.status == "True" for c in d.status.conditions) for d in crds),
            "nodes": len(core.list_node().items),
            "kustomizations": len(custom.list_cluster_custom_object("kustomize.toolkit.fluxcd.io", "v1", "kustomizations")["items"]),
            "ingressroutes": len(custom.list_namespaced_custom_object("traefik.io", "v1alpha1", "frigate", "ingressroutes")["items"]),
            "cronjobs": [c.spec.job_template.spec.template.spec.containers[0].resources.limits["cpu"]
                         for c in batch.list_cron_job_for_all_namespaces().items],
            "jobs": len(batch.list_job_for_all_namespaces().items),
            "endpoints": len(core.list_namespaced_endpoints("frigate").items),
            "deploymentGPU": gpu,
            "podGPU": pod_gpu,
        }))
        """#

    /// `python3` on PATH, as the test's environment (and `.ci/run`) has it.
    static func python() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("reads pods, Deployments, CronJobs, Jobs, Endpoints, Secrets, Ingresses, CRDs and custom objects of frigate-coral with no validation error")
    func readsTheLab() async throws {
        let python = try #require(Self.python(), "python3 is not on PATH: the conformance test needs it (.ci/run installs it)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-python-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let probe = try await TestProcess.run(python, ["-c", "import kubernetes"], scratch: directory)
        try #require(
            probe.status == 0,
            "the official Kubernetes Python client is missing: run `pip install kubernetes` (.ci/run does): \(probe.stderr)")

        let lab = try await LabScenario.frigateCoral.start(directory: directory.appendingPathComponent("lab"))
        do {
            let script = directory.appendingPathComponent("read_lab.py")
            try Data(Self.script.utf8).write(to: script)
            let run = try await TestProcess.run(python, [script.path, lab.kube.kubeconfigPath.path], scratch: directory)
            try #require(run.status == 0, "the Python client failed against the lab:\n\(run.stderr)")
            let counts = try JSON.parse(run.stdout)
            #expect((counts["pods"].intValue ?? 0) >= 1, "\(counts)")
            #expect(counts["deployments"].intValue == 1, "\(counts)")
            #expect(counts["ingresses"] == 1, "\(counts)")
            #expect(counts["ingressclasses"] == ["traefik"], "\(counts)")
            #expect((counts["crds"].intValue ?? 0) >= 12, "\(counts)")
            #expect(counts["established"] == true, "\(counts)")
            #expect(counts["nodes"] == 3, "\(counts)")
            #expect((counts["secrets"].intValue ?? 0) >= 1, "\(counts)")
            #expect((counts["kustomizations"].intValue ?? 0) >= 1, "\(counts)")
            #expect(counts["ingressroutes"] == 1, "\(counts)")
            #expect(counts["cronjobs"] == ["100m"], "a quantity written as a number comes back in its canonical form: \(counts)")
            #expect(counts["endpoints"] == 1, "\(counts)")
            #expect(counts["deploymentGPU"] == "1", "\(counts)")
            #expect(counts["podGPU"].arrayValue?.contains("1") == true, "\(counts)")
        } catch {
            await lab.shutdown()
            throw error
        }
        await lab.shutdown()
    }
}
