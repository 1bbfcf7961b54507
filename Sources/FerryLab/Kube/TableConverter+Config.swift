import Foundation
import FerryJSON

/// ConfigMaps, Secrets, Services and ServiceAccounts: printConfigMap, printSecret,
/// printService, printServiceAccount.
extension TableConverter {
    static let configMapPrinter = Printer(
        columns: [
            .name,
            Column(
                name: "Data", type: "string",
                description: "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."),
            .age,
        ],
        row: { object, now in
            let count = (object["data"].objectValue?.count ?? 0) + (object["binaryData"].objectValue?.count ?? 0)
            return PrintedRow(cells: [name(object), .int(Int64(count)), age(object, now)])
        }
    )

    static let secretPrinter = Printer(
        columns: [
            .name,
            Column(
                name: "Type", type: "string",
                description: "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
            Column(
                name: "Data", type: "string",
                description: "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
            .age,
        ],
        row: { object, now in
            PrintedRow(cells: [
                name(object), .string(object["type"].stringValue ?? ""),
                .int(Int64(object["data"].objectValue?.count ?? 0)), age(object, now),
            ])
        }
    )

    static let serviceAccountPrinter = Printer(
        columns: [
            .name,
            Column(
                name: "Secrets", type: "string",
                description: "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret"),
            .age,
        ],
        row: { object, now in
            PrintedRow(cells: [name(object), .int(Int64(object["secrets"].arrayValue?.count ?? 0)), age(object, now)])
        }
    )

    static let servicePrinter = Printer(
        columns: [
            .name,
            Column(
                name: "Type", type: "string",
                description: "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"),
            Column(
                name: "Cluster-IP", type: "string",
                description: "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
            Column(
                name: "External-IP", type: "string",
                description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system."),
            Column(
                name: "Port(s)", type: "string",
                description: "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
            .age,
            Column(
                name: "Selector", type: "string",
                description: "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
                priority: 1),
        ],
        row: { service, now in
            let spec = service["spec"]
            var clusterIP = spec["clusterIPs"].arrayValue?.first?.stringValue ?? ""
            if clusterIP.isEmpty { clusterIP = spec["clusterIP"].stringValue ?? "" }
            let ports = (spec["ports"].arrayValue ?? []).map { port -> String in
                let number = int(port["port"]), proto = string(port["protocol"], or: "TCP")
                let nodePort = int(port["nodePort"])
                return nodePort > 0 ? "\(number):\(nodePort)/\(proto)" : "\(number)/\(proto)"
            }.joined(separator: ",")
            return PrintedRow(cells: [
                name(service), .string(string(spec["type"], or: "ClusterIP")),
                .string(clusterIP.isEmpty ? "<none>" : clusterIP), .string(serviceExternalIP(service)),
                .string(ports.isEmpty ? "<none>" : ports), age(service, now), .string(formatLabels(spec["selector"])),
            ])
        }
    )

    /// getServiceExternalIP with wide output (server-side printing is always wide).
    static func serviceExternalIP(_ service: JSON) -> String {
        let spec = service["spec"]
        let externalIPs = (spec["externalIPs"].arrayValue ?? []).compactMap(\.stringValue)
        switch string(spec["type"], or: "ClusterIP") {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            var ingress: [String] = []
            for entry in service["status"]["loadBalancer"]["ingress"].arrayValue ?? [] {
                let address = string(entry["ip"], or: string(entry["hostname"]))
                if !address.isEmpty && !ingress.contains(address) { ingress.append(address) }
            }
            let all = ingress + externalIPs
            return all.isEmpty ? "<pending>" : all.joined(separator: ",")
        case "ExternalName":
            return spec["externalName"].stringValue ?? ""
        default:
            return "<unknown>"
        }
    }
}
