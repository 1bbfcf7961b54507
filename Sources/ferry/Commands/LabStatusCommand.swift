import ArgumentParser
import FerryLab
import Foundation

/// `ferry lab status --dir DIR`: what the running lab looks like now.
struct LabStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running lab's hosts, VMs, devices, nodes and faults.",
        discussion: """
            VMs show their usbN/hostpciN config (a * marks a line changed since the VM \
            started: it applies at the next start or reboot) and the devices the guest sees.

            \(LabCommandError.exitCodes)
            """)

    @Flag(help: "Print the status as JSON, as the control endpoint answers it.")
    var json = false

    @OptionGroup var lab: LabDirectoryOptions

    func run() async throws {
        try await LabCommandError.reporting {
            let status = try await LabControlClient.connect(lab).status()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                print(Self.text(status), terminator: "")
            }
        }
    }

    static func text(_ status: LabStatus) -> String {
        var out = "Lab '\(status.scenario)' in \(status.directory) (pid \(status.pid))\n"
        if !status.hosts.isEmpty {
            out += "\n" + table([["HOST", "IP", "SSH", "POWER"]] + status.hosts.map { [$0.name, $0.ip, $0.ssh, $0.power] })
        }
        if !status.virtualMachines.isEmpty {
            let rows = status.virtualMachines.map { vm in
                let passthrough = vm.passthrough.keys.sorted().map {
                    "\($0)=\(vm.passthrough[$0]!)" + (vm.pendingPassthrough.contains($0) ? "*" : "")
                }
                let removed = vm.pendingPassthrough.filter { vm.passthrough[$0] == nil }.map { "-\($0)*" }
                return [
                    String(vm.vmid), vm.name, vm.host, vm.power, vm.guest, (passthrough + removed).joined(separator: " "),
                    vm.devicesVisible.joined(separator: ","),
                ]
            }
            out += "\n" + table([["VMID", "NAME", "HOST", "POWER", "GUEST", "PASSTHROUGH", "SEES"]] + rows)
        }
        if !status.devices.isEmpty {
            let rows = status.devices.map { [$0.name, $0.kind, $0.host ?? "(unplugged)", $0.id, $0.address ?? ""] }
            out += "\n" + table([["DEVICE", "KIND", "HOST", "ID", "ADDRESS"]] + rows)
        }
        out += "\n" + table([["NODE", "READY"]] + status.nodes.map { [$0.name, $0.ready] })
        out += "\nFaults on:"
        if status.faults.isEmpty { out += " none\n" }
        for fault in status.faults {
            let unit = fault.name == LabControlFault.apiLatency.rawValue ? " ms" : ""
            let value = fault.value.map { Self.number($0) + unit }
            out += "\n  " + [fault.name, fault.target, value].compactMap { $0 }.joined(separator: " ")
        }
        if !status.faults.isEmpty { out += "\n" }
        return out
    }

    /// Left-aligned columns, two spaces apart, without trailing blanks.
    static func table(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        .joined(separator: "\n") + "\n"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
