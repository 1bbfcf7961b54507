import Foundation

/// Git remote URLs in a form that compares across spellings of the same repository:
/// `git@github.com:me/gitops.git`, `ssh://git@github.com/me/gitops` and
/// `https://github.com/me/gitops/` are all `github.com/me/gitops`; `file:///srv/gitops.git`
/// and `/srv/gitops` are both `/srv/gitops`. Flux's `spec.url` and a clone's `origin`
/// are often written differently (Flux over SSH, the clone over HTTPS).
enum GitURL {
    static func normalized(_ url: String) -> String {
        var text = url.trimmingCharacters(in: .whitespacesAndNewlines)
        var result: String
        if text.hasPrefix("file://") {
            text.removeFirst("file://".count)
            result = text.removingPercentEncoding ?? text
        } else if let scheme = text.range(of: "://") {
            var rest = String(text[scheme.upperBound...])
            if let at = rest.firstIndex(of: "@"), rest[..<at].firstIndex(of: "/") == nil { rest = String(rest[rest.index(after: at)...]) }
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            var host = String(rest[..<slash]).lowercased()
            if let colon = host.firstIndex(of: ":") { host = String(host[..<colon]) }
            result = host + String(rest[slash...])
        } else if !text.hasPrefix("/"), let colon = text.firstIndex(of: ":"), text[..<colon].firstIndex(of: "/") == nil {
            var host = String(text[..<colon])
            if let at = host.firstIndex(of: "@") { host = String(host[host.index(after: at)...]) }
            let path = String(text[text.index(after: colon)...])
            result = host.lowercased() + (path.hasPrefix("/") ? "" : "/") + path
        } else {
            result = text
        }
        while result.hasSuffix("/") { result.removeLast() }
        if result.hasSuffix(".git") { result.removeLast(4) }
        return result
    }

    static func same(_ a: String, _ b: String) -> Bool { normalized(a) == normalized(b) }
}
