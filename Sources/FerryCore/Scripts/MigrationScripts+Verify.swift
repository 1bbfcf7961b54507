extension MigrationScripts {
    /// 60: the workload Ready on the target node, then the plan's checks.
    static func verify(_ plan: MigrationPlan) -> ShellScript {
        var blocks: [ShellScript.Block] = [
            .init("Wait for the workload's pods Ready, and check they run on the target node.", body: [
                "selector=$(kubectl -n \"$NAMESPACE\" get \"$WORKLOAD_KIND\" \"$WORKLOAD\" -o json | jq -r '.spec.selector.matchLabels | to_entries | map(\"\\(.key)=\\(.value)\") | join(\",\")')",
                "kubectl -n \"$NAMESPACE\" wait pods -l \"$selector\" --for=condition=Ready --timeout=\(plan.timeouts.podReady.seconds)s",
                "nodes=$(kubectl -n \"$NAMESPACE\" get pods -l \"$selector\" -o jsonpath='{.items[*].spec.nodeName}')",
                "[ \"$nodes\" = \"$TARGET_NODE\" ] || die \"the pods run on '$nodes', not on $TARGET_NODE\"",
                "pod=$(kubectl -n \"$NAMESPACE\" get pods -l \"$selector\" -o name | head -n 1)",
            ]),
        ]
        for check in plan.verify {
            let seconds = (check.timeout ?? plan.timeouts.verify).seconds
            let container = check.container.map { " -c \(q($0))" } ?? ""
            switch check.kind {
            case .log(let line):
                blocks.append(.init("The log says \(line).", body: [
                    "check_log() { kubectl -n \"$NAMESPACE\" logs \"$pod\"\(container) | grep -qF -- \(q(line)); }",
                    "wait_for \(seconds) \(q("the log line \(line)")) check_log",
                ]))
            case .command(let command):
                blocks.append(.init("A command in the pod exits 0.", body: [
                    "check_command() { kubectl -n \"$NAMESPACE\" exec \"$pod\"\(container) -- sh -c \(q(command)); }",
                    "wait_for \(seconds) \(q("`\(command)` in the pod")) check_command",
                ]))
            case .http(let url, let origin, let status):
                let body: [String] = origin == .local
                    ? ["check_http() { [ \"$(curl -s -o /dev/null -w '%{http_code}' \(q(url)))\" = \(status) ]; }"]
                    : ["check_http() {",
                       "  kubectl -n \"$NAMESPACE\" run \"ferry-check-$RANDOM\" --rm -i --restart=Never --quiet --image=curlimages/curl -- \\",
                       "    curl -s -o /dev/null -w '%{http_code}' \(q(url)) | grep -qx \(status)",
                       "}"]
                blocks.append(.init("GET \(url) answers \(status) (from \(origin == .local ? "this machine" : "inside the cluster")).",
                                    body: body + ["wait_for \(seconds) \(q("\(url) to answer \(status)")) check_http"]))
            }
        }
        return ShellScript(
            name: "60-verify.sh", purpose: "Verify: the workload Ready on the target node, then the plan's checks (log lines, commands, HTTP).",
            why: ["The migration is done when this passes."], plan: plan, blocks: blocks)
    }
}
