import Testing

@testable import FerryLab
import FerryJSON

@Suite("Discovery documents")
struct DiscoveryTests {
    private func entry(_ list: JSON?, _ name: String) -> JSON? {
        list?["resources"].arrayValue?.first { $0["name"].stringValue == name }
    }

    @Test("/version reports a K3s 1.32 server")
    func version() {
        let v = Discovery.version()
        #expect(v["major"] == "1")
        #expect(v["minor"] == "32")
        #expect(v["gitVersion"] == "v1.32.4+k3s1")
        #expect(v["platform"] == "linux/amd64")
        #expect(v["goVersion"].stringValue?.hasPrefix("go1.") == true)
    }

    @Test("/api lists v1 and where to reach the server")
    func coreVersions() {
        let api = Discovery.coreVersions()
        #expect(api["kind"] == "APIVersions")
        #expect(api["versions"] == ["v1"])
        #expect(api["serverAddressByClientCIDRs"].arrayValue?.first?["clientCIDR"] == "0.0.0.0/0")
        #expect(Discovery.coreVersions(serverAddress: "10.0.0.5:6443")["serverAddressByClientCIDRs"].arrayValue?.first?["serverAddress"] == "10.0.0.5:6443")
    }

    @Test("/apis lists every non-core group once, with its preferred version, and not the core group")
    func groups() {
        let list = Discovery.groups()
        #expect(list["kind"] == "APIGroupList")
        #expect(list["apiVersion"] == "v1")
        let names = list["groups"].arrayValue?.compactMap { $0["name"].stringValue } ?? []
        #expect(names == [
            "apps", "storage.k8s.io", "node.k8s.io", "source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io",
            "coordination.k8s.io", "batch", "discovery.k8s.io", "apiextensions.k8s.io", "networking.k8s.io", "rbac.authorization.k8s.io",
        ])
        let apps = list["groups"].arrayValue?.first
        #expect(apps?["preferredVersion"] == ["groupVersion": "apps/v1", "version": "v1"])
        #expect(apps?["versions"] == [["groupVersion": "apps/v1", "version": "v1"]])
        #expect(!names.contains("autoscaling"))
    }

    @Test("/apis/{group} is an APIGroup for served groups and nothing otherwise")
    func group() {
        let apps = Discovery.group("apps")
        #expect(apps?["kind"] == "APIGroup")
        #expect(apps?["apiVersion"] == "v1")
        #expect(apps?["name"] == "apps")
        #expect(Discovery.group("batch")?["preferredVersion"]["groupVersion"] == "batch/v1")
        #expect(Discovery.group("policy") == nil)
        #expect(Discovery.group("") == nil)
    }

    @Test("/api/v1 lists pods with short names, categories and every verb, and no apiVersion")
    func corePods() throws {
        let list = try #require(Discovery.resources(group: "", version: "v1"))
        #expect(list["kind"] == "APIResourceList")
        #expect(list["groupVersion"] == "v1")
        #expect(list["apiVersion"].isNull)
        let pods = try #require(entry(list, "pods"))
        #expect(pods["singularName"] == "pod")
        #expect(pods["namespaced"] == true)
        #expect(pods["kind"] == "Pod")
        #expect(pods["shortNames"] == ["po"])
        #expect(pods["categories"] == ["all"])
        #expect(pods["verbs"] == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
    }

    @Test("pods/log and pods/status are listed as subresources of Pod")
    func podSubresources() throws {
        let list = Discovery.resources(group: "", version: "v1")
        let log = try #require(entry(list, "pods/log"))
        #expect(log["kind"] == "Pod")
        #expect(log["verbs"] == ["get"])
        #expect(log["singularName"] == "")
        let status = try #require(entry(list, "pods/status"))
        #expect(status["verbs"] == ["get", "patch", "update"])
    }

    @Test("deployments/scale is an autoscaling/v1 Scale; deployments/status a Deployment")
    func deploymentScale() throws {
        let list = try #require(Discovery.resources(group: "apps", version: "v1"))
        #expect(list["apiVersion"] == "v1")
        #expect(list["groupVersion"] == "apps/v1")
        let scale = try #require(entry(list, "deployments/scale"))
        #expect(scale["group"] == "autoscaling")
        #expect(scale["version"] == "v1")
        #expect(scale["kind"] == "Scale")
        #expect(scale["verbs"] == ["get", "patch", "update"])
        #expect(entry(list, "deployments/status")?["kind"] == "Deployment")
        #expect(entry(list, "deployments")?["shortNames"] == ["deploy"])
        #expect(entry(list, "statefulsets/scale")?["kind"] == "Scale")
    }

    @Test("resources are sorted by name with subresources after their resource")
    func ordering() {
        let names = Discovery.resources(group: "apps", version: "v1")?["resources"].arrayValue?.compactMap { $0["name"].stringValue }
        #expect(names == [
            "deployments", "deployments/scale", "deployments/status",
            "replicasets", "replicasets/scale", "replicasets/status",
            "statefulsets", "statefulsets/scale", "statefulsets/status",
        ])
    }

    @Test("short names resolve what people type: ns, no, pvc, pv, cm, svc, sa, ev, sc, sts, ks, gitrepo, hr")
    func shortNames() {
        let expected: [(String, String, String, String)] = [
            ("", "v1", "namespaces", "ns"), ("", "v1", "nodes", "no"), ("", "v1", "persistentvolumeclaims", "pvc"),
            ("", "v1", "persistentvolumes", "pv"), ("", "v1", "configmaps", "cm"), ("", "v1", "services", "svc"),
            ("", "v1", "serviceaccounts", "sa"), ("", "v1", "events", "ev"), ("storage.k8s.io", "v1", "storageclasses", "sc"),
            ("apps", "v1", "statefulsets", "sts"), ("apps", "v1", "replicasets", "rs"), ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "ks"),
            ("source.toolkit.fluxcd.io", "v1", "gitrepositories", "gitrepo"), ("helm.toolkit.fluxcd.io", "v2", "helmreleases", "hr"),
        ]
        for (group, version, resource, short) in expected {
            let e = entry(Discovery.resources(group: group, version: version), resource)
            #expect(e?["shortNames"].arrayValue?.contains(.string(short)) == true, "\(resource) → \(short)")
        }
    }

    @Test("namespaces cannot be deleted as a collection; secrets have no short names")
    func namespaceVerbs() {
        let list = Discovery.resources(group: "", version: "v1")
        #expect(entry(list, "namespaces")?["verbs"] == ["create", "delete", "get", "list", "patch", "update", "watch"])
        #expect(entry(list, "namespaces")?["namespaced"] == false)
        #expect(entry(list, "secrets")?["shortNames"].isNull == true)
        #expect(entry(list, "events")?["verbs"].arrayValue?.count == 8)
    }

    @Test("custom resources list verbs in the apiextensions order and keep their categories")
    func customResources() throws {
        let list = try #require(Discovery.resources(group: "kustomize.toolkit.fluxcd.io", version: "v1"))
        let ks = try #require(entry(list, "kustomizations"))
        #expect(ks["singularName"] == "kustomization")
        #expect(ks["verbs"] == ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"])
        #expect(ks["categories"].arrayValue?.contains("fluxcd") == true)
        #expect(entry(list, "kustomizations/status")?["verbs"] == ["get", "patch", "update"])
    }

    @Test("unserved group versions have no resource list")
    func unserved() {
        #expect(Discovery.resources(group: "", version: "v2") == nil)
        #expect(Discovery.resources(group: "batch", version: "v2") == nil)
    }
}
