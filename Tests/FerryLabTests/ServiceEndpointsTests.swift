import FerryJSON
import Foundation
import Testing

extension Manifest {
    /// A Service in `default` selecting `app: APP`, port 80 named http to the container port named http.
    static func service(_ name: String, app: String) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: \(name)
        spec:
          selector: {app: \(app)}
          ports: [{name: http, port: 80, targetPort: http}]
        """
    }

    /// A pod labelled `app: APP` declaring container port 8080 as http.
    static func servingPod(_ name: String, app: String, command: String, image: String = "busybox:1.36") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
          labels: {app: \(app)}
        spec:
          containers:
          - name: main
            image: \(image)
            command: ["sh", "-c", "\(command)"]
            ports: [{name: http, containerPort: 8080}]
        """
    }
}

/// Endpoints for Services, and the apiserver's service proxy.
@Suite("Services")
struct ServiceEndpointsTests {
    static func addresses(_ endpoints: JSON, _ key: String) -> [String] {
        (endpoints["subsets"].arrayValue ?? []).flatMap { ($0[key].arrayValue ?? []).compactMap { $0["ip"].stringValue } }
    }

    @Test("Endpoints list the ready pods a Service selects as addresses, the others as not ready, and follow them")
    func followReadiness() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.service("web", app: "web"))
            try await lab.kubectl.apply(Manifest.servingPod("good", app: "web", command: "sleep 3600"))
            // Never ready (its image cannot be pulled), though it has an IP.
            try await lab.kubectl.apply(Manifest.servingPod("unpulled", app: "web", command: "sleep 3600", image: "registry.home.invalid:5000/web:1"))
            try await lab.kubectl.apply(Manifest.servingPod("other", app: "other", command: "sleep 3600"))
            try await lab.kubectl.succeed("wait", "--for=condition=Ready", "pod/good", "pod/other", "--timeout=30s")
            let good = try await lab.object("pod", "good")["status"]["podIP"].stringValue ?? "?"
            let unpulled = try await lab.waitFor("pod", "unpulled", "a pod IP") { $0["status"]["podIP"] != .null }["status"]["podIP"].stringValue
            let endpoints = try await lab.waitFor("endpoints", "web", "good ready, unpulled not") {
                Self.addresses($0, "addresses") == [good] && Self.addresses($0, "notReadyAddresses") == [unpulled ?? "?"]
            }
            let ports = endpoints["subsets"].arrayValue?.first?["ports"]
            #expect(ports == [["name": "http", "port": 8080, "protocol": "TCP"]])
            let table = try await lab.kubectl.succeed("get", "endpoints", "web")
            #expect(table.contains("\(good):8080"), "\(table)")
            let slices = try await lab.kubectl.json("get", "endpointslices", "-l", "kubernetes.io/service-name=web")
            #expect(slices["items"].arrayValue?.first?["endpoints"].arrayValue?.count == 2)

            try await lab.kubectl.succeed("delete", "pod", "good", "--wait=false")
            try await lab.waitFor("endpoints", "web", "no ready address once good is deleted") {
                Self.addresses($0, "addresses").isEmpty
            }
            let result = try await lab.kubectl.run("get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/")
            #expect(!result.succeeded)
            #expect(result.stderr.contains("ServiceUnavailable") && result.stderr.contains("no endpoints available for service"), "\(result)")
        }
    }

    @Test("the service proxy says 503 without endpoints and 404 for a Service that does not exist")
    func proxyErrors() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.service("nobody", app: "nobody"))
            try await lab.waitFor("endpoints", "nobody", "created empty") { $0["subsets"] == .null }
            let empty = try await lab.kubectl.run("get", "--raw", "/api/v1/namespaces/default/services/nobody:http/proxy/index.html")
            #expect(empty.stderr.contains("Error from server (ServiceUnavailable): no endpoints available for service \"nobody\""), "\(empty)")
            let missing = try await lab.kubectl.run("get", "--raw", "/api/v1/namespaces/default/services/missing:80/proxy/")
            #expect(missing.stderr.contains("(NotFound)") && missing.stderr.contains("\"missing\" not found"), "\(missing)")
        }
    }
}
