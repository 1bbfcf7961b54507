import Foundation
import FerryJSON

/// Ingresses and IngressClasses: printIngress, printIngressClass.
extension TableConverter {
    static let ingressPrinter = Printer(
        columns: [
            .name,
            Column(name: "Class", type: "string", description: "The name of the IngressClass resource that should be used for ingress"),
            Column(name: "Hosts", type: "string", description: "Hosts that incoming requests are matched against before the ingress rule"),
            Column(name: "Address", type: "string", description: "Address is a list containing ingress points for the load-balancer"),
            Column(name: "Ports", type: "string", description: "Ports of TLS configurations that open"),
            .age,
        ],
        row: { object, now in
            let hosts = (object["spec"]["rules"].arrayValue ?? []).compactMap { $0["host"].stringValue }.filter { !$0.isEmpty }
            let addresses = (object["status"]["loadBalancer"]["ingress"].arrayValue ?? []).compactMap {
                $0["ip"].stringValue ?? $0["hostname"].stringValue
            }
            let tls = !(object["spec"]["tls"].arrayValue ?? []).isEmpty
            return PrintedRow(cells: [
                name(object), .string(string(object["spec"]["ingressClassName"], or: "<none>")),
                .string(hosts.isEmpty ? "*" : hosts.joined(separator: ",")),
                .string(addresses.joined(separator: ",")), .string(tls ? "80, 443" : "80"), age(object, now),
            ])
        }
    )

    static let ingressClassPrinter = Printer(
        columns: [
            .name,
            Column(name: "Controller", type: "string", description: "Controller that is responsible for handling this class"),
            Column(name: "Parameters", type: "string", description: "A reference to a resource with additional parameters"),
            .age,
        ],
        row: { object, now in
            var parameters = "<none>"
            let reference = object["spec"]["parameters"]
            if let kind = reference["kind"].stringValue {
                parameters = kind
                if let group = reference["apiGroup"].stringValue { parameters += "." + group }
                parameters += "/" + (reference["name"].stringValue ?? "")
            }
            return PrintedRow(cells: [
                name(object), .string(object["spec"]["controller"].stringValue ?? ""), .string(parameters), age(object, now),
            ])
        }
    )
}
