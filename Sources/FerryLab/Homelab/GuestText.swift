import Foundation

/// The exact text Linux tools print, shared by the VM and host command handlers.
enum GuestText {
    /// `lspci [-nn] [-D]` of cards at their addresses (with their domain, `0000:01:00.0`).
    static func lspci(_ cards: [(address: String, device: Device)], args: [String]) -> CommandResult {
        let numeric = args.contains { $0.hasPrefix("-") && $0.contains("nn") }
        let domain = args.contains { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("D") }
        return .ok(cards.map { card in
            card.device.lspciLine(address: domain ? card.address : String(card.address.dropFirst(5)), numeric: numeric)
        }.joined(separator: "\n"))
    }

    /// ` 10:15:01 up 3 min,  1 user,  load average: 0.08, 0.03, 0.01`
    static func uptime(since boot: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(boot)))
        let days = seconds / 86_400, hours = seconds % 86_400 / 3600, minutes = seconds % 3600 / 60
        var up = days > 0 ? "\(days) day\(days == 1 ? "" : "s"), " : ""
        up += hours > 0 ? String(format: "%2d:%02d", hours, minutes) : "\(minutes) min"
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return " \(formatter.string(from: now)) up \(up),  0 users,  load average: 0.08, 0.03, 0.01"
    }

    /// `lsusb` or `lsusb -d VENDOR:[PRODUCT]`: exit 1 and no output when `-d` matches nothing.
    static func lsusb(_ lines: [(id: String, line: String)], filter args: [String]) -> CommandResult {
        guard let d = args.firstIndex(of: "-d") else {
            return .ok(lines.map(\.line).joined(separator: "\n"))
        }
        guard d + 1 < args.count else { return .failure("lsusb: option requires an argument -- 'd'") }
        let wanted = args[d + 1].lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard wanted.count == 2, wanted[0].count <= 4 else { return .failure("lsusb: invalid vendor:product '\(args[d + 1])'") }
        let matched = lines.filter { item in
            let id = item.id.split(separator: ":").map(String.init)
            return id[0] == wanted[0].leftPadded && (wanted[1].isEmpty || id[1] == wanted[1].leftPadded)
        }
        return matched.isEmpty ? CommandResult(exitCode: 1) : .ok(matched.map(\.line).joined(separator: "\n"))
    }

    /// `ls [-la] PATH...` over a table of directories.
    static func ls(_ args: [String], entries: [String: [String]]) -> CommandResult {
        let long = args.contains { $0.hasPrefix("-") && $0.contains("l") }
        let paths = args.filter { !$0.hasPrefix("-") }.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        guard !paths.isEmpty else { return .ok("") }
        var result = CommandResult()
        for path in paths {
            guard let names = entries[path] else {
                result.stderr += "ls: cannot access '\(path)': No such file or directory\n"
                result.exitCode = 2
                continue
            }
            if paths.count > 1 { result.stdout += "\(path):\n" }
            if long {
                result.stdout += "total 0\n"
                for (index, name) in names.enumerated() {
                    let kind = path.hasPrefix("/dev/dri") ? "crw-rw----+ 1 root render 226, \(name == "card0" ? "  0" : "128")"
                        : path == "/dev/bus/usb" ? "drwxr-xr-x  2 root root       \(index + 2)" : "crw-rw-r--  1 root root    189, \(index)"
                    result.stdout += "\(kind) Dec 13 10:00 \(name)\n"
                }
            } else {
                result.stdout += names.joined(separator: "\n") + "\n"
            }
        }
        return result
    }

    /// `dpkg -s PKG`
    static func dpkgStatus(_ args: [String], installed: Set<String>) -> CommandResult {
        guard args.first == "-s" || args.first == "--status", args.count >= 2 else {
            return .failure("dpkg: only -s/--status is available in the lab", exitCode: 2)
        }
        var result = CommandResult()
        for name in args.dropFirst() {
            if installed.contains(name) {
                result.stdout += "Package: \(name)\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.0-lab\n\n"
            } else {
                result.stderr += "dpkg-query: package '\(name)' is not installed and no information is available\n"
                result.exitCode = 1
            }
        }
        if result.exitCode != 0 { result.stderr += "Use dpkg --info (= dpkg-deb --info) to examine archive files.\n" }
        return result
    }

    static func aptInstall(new: [String], already: [String]) -> String {
        var text = "Reading package lists...\nBuilding dependency tree...\nReading state information...\n"
        for name in already { text += "\(name) is already the newest version (1.0-lab).\n" }
        if !new.isEmpty { text += "The following NEW packages will be installed:\n  \(new.joined(separator: " "))\n" }
        text += "0 upgraded, \(new.count) newly installed, 0 to remove and 0 not upgraded.\n"
        for name in new { text += "Setting up \(name) (1.0-lab) ...\n" }
        return text
    }
}

extension String {
    /// A hex id padded to 4 digits (`1a6e`), as `lsusb -d 1a6e:` compares them.
    fileprivate var leftPadded: String { String(repeating: "0", count: max(0, 4 - count)) + self }
}
