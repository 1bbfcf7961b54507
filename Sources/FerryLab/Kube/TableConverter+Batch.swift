import FerryJSON
import Foundation

/// Jobs, CronJobs, Endpoints and EndpointSlices: printJob, printCronJob,
/// printEndpoints, printEndpointSlice.
extension TableConverter {
    static let jobPrinter = Printer(
        columns: [
            .name,
            Column(name: "Status", type: "string", description: "Status of the job."),
            Column(name: "Completions", type: "string", description: "The desired number of successfully finished pods the job should be run with. Setting to null means that the success of any pod signals the success of all pods, and allows parallelism to have any positive value. Setting to 1 means that parallelism is limited to 1 and the success of that pod signals the success of the job. More info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-completion/"),
            Column(name: "Duration", type: "string", description: "Time required to complete the job."),
            .age,
            Column(name: "Containers", type: "string", description: Docs.containers, priority: 1),
            Column(name: "Images", type: "string", description: Docs.images, priority: 1),
            Column(name: "Selector", type: "string", description: "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", priority: 1),
        ],
        row: { job, now in
            let spec = job["spec"], status = job["status"]
            func has(_ type: String) -> Bool {
                (status["conditions"].arrayValue ?? []).contains { $0["type"].stringValue == type && $0["status"] == "True" }
            }
            let state =
                has("Complete") ? "Complete" : has("Failed") ? "Failed" : job["metadata"]["deletionTimestamp"] != .null ? "Terminating"
                : has("Suspended") ? "Suspended" : has("FailureTarget") ? "FailureTarget"
                : has("SuccessCriteriaMet") ? "SuccessCriteriaMet" : "Running"
            let succeeded = int(status["succeeded"])
            let completions: String
            if let wanted = spec["completions"].intValue {
                completions = "\(succeeded)/\(wanted)"
            } else {
                let parallelism = spec["parallelism"].intValue ?? 1
                completions = parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1"
            }
            var duration = ""
            if let start = parseTime(status["startTime"]) {
                duration = humanDuration((parseTime(status["completionTime"]) ?? now).timeIntervalSince(start))
            }
            let (names, images) = containerCells(spec["template"]["spec"])
            let selector = formatSelector(spec["selector"])
            return PrintedRow(cells: [
                name(job), .string(state), .string(completions), .string(duration), age(job, now), names, images,
                .string(selector.isEmpty ? "<none>" : selector),
            ])
        }
    )

    static let cronJobPrinter = Printer(
        columns: [
            .name,
            Column(name: "Schedule", type: "string", description: "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
            Column(name: "Timezone", type: "string", description: "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"),
            Column(name: "Suspend", type: "boolean", description: "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
            Column(name: "Active", type: "integer", description: "A list of pointers to currently running jobs."),
            Column(name: "Last Schedule", type: "string", description: "Information when was the last time the job was successfully scheduled."),
            .age,
            Column(name: "Containers", type: "string", description: Docs.containers, priority: 1),
            Column(name: "Images", type: "string", description: Docs.images, priority: 1),
            Column(name: "Selector", type: "string", description: "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", priority: 1),
        ],
        row: { cronJob, now in
            let spec = cronJob["spec"], status = cronJob["status"]
            let suspend = spec["suspend"].boolValue.map { $0 ? "True" : "False" } ?? "<unset>"
            let last = status["lastScheduleTime"] == .null ? "<none>" : since(status["lastScheduleTime"], now)
            let (names, images) = containerCells(spec["jobTemplate"]["spec"]["template"]["spec"])
            let selector = formatSelector(spec["jobTemplate"]["spec"]["selector"])
            return PrintedRow(cells: [
                name(cronJob), .string(spec["schedule"].stringValue ?? ""), .string(spec["timeZone"].stringValue ?? "<none>"),
                .string(suspend), .int(Int64(status["active"].arrayValue?.count ?? 0)), .string(last), age(cronJob, now),
                names, images, .string(selector.isEmpty ? "<none>" : selector),
            ])
        }
    )

    static let endpointsPrinter = Printer(
        columns: [
            .name,
            Column(name: "Endpoints", type: "string", description: "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."),
            .age,
        ],
        row: { endpoints, now in
            var shown: [String] = []
            var count = 0
            for subset in endpoints["subsets"].arrayValue ?? [] {
                for port in subset["ports"].arrayValue ?? [] {
                    for address in subset["addresses"].arrayValue ?? [] {
                        count += 1
                        if shown.count < 3 { shown.append("\(address["ip"].stringValue ?? ""):\(int(port["port"]))") }
                    }
                }
            }
            var text = shown.isEmpty ? "<none>" : shown.joined(separator: ",")
            if count > shown.count { text += " + \(count - shown.count) more..." }
            return PrintedRow(cells: [name(endpoints), .string(text), age(endpoints, now)])
        }
    )

    static let endpointSlicePrinter = Printer(
        columns: [
            .name,
            Column(name: "AddressType", type: "string", description: "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name. (Deprecated) The EndpointSlice controller only generates, and kube-proxy only processes, slices of addressType \"IPv4\" and \"IPv6\". No semantics are defined for the \"FQDN\" type."),
            Column(name: "Ports", type: "string", description: "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. Each slice may include a maximum of 100 ports. Services always have at least 1 port, so EndpointSlices generated by the EndpointSlice controller will likewise always have at least 1 port. EndpointSlices used for other purposes may have an empty ports list."),
            Column(name: "Endpoints", type: "string", description: "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
            .age,
        ],
        row: { slice, now in
            let ports = (slice["ports"].arrayValue ?? []).map { String(int($0["port"])) }
            let addresses = (slice["endpoints"].arrayValue ?? []).flatMap { ($0["addresses"].arrayValue ?? []).compactMap(\.stringValue) }
            var text = addresses.isEmpty ? "<unset>" : addresses.prefix(3).joined(separator: ",")
            if addresses.count > 3 { text += " + \(addresses.count - 3) more..." }
            return PrintedRow(cells: [
                name(slice), .string(slice["addressType"].stringValue ?? ""), .string(ports.isEmpty ? "<unset>" : ports.joined(separator: ",")),
                .string(text), age(slice, now),
            ])
        }
    )
}
