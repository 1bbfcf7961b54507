/// A unified diff, as `git diff` prints it (`--- a/PATH`, `+++ b/PATH`, `@@` hunks with
/// three lines of context): what `--dry-run` shows and what a person reviews before a
/// commit, and what `git apply` accepts.
///
/// ```swift
/// print(UnifiedDiff.make(old: before, new: after, path: "apps/frigate/deployment.yaml"))
/// ```
public enum UnifiedDiff {
    /// The diff of two texts; empty when they are the same. Lines compare with their
    /// endings, so a CRLF line that became LF is a change.
    public static func make(old: String, new: String, path: String, context: Int = 3) -> String {
        guard old != new else { return "" }
        let a = ManifestLines(old).lines
        let b = ManifestLines(new).lines
        let script = editScript(a, b)
        var out = "--- a/\(path)\n+++ b/\(path)\n"
        let changes = script.indices.filter { script[$0].tag != " " }
        var next = 0
        while next < changes.count {
            var last = next
            while last + 1 < changes.count, changes[last + 1] - changes[last] <= 2 * context { last += 1 }
            let lower = max(0, changes[next] - context)
            let upper = min(script.count, changes[last] + context + 1)
            out += hunk(script[lower..<upper], a: a, b: b)
            next = last + 1
        }
        return out
    }

    struct Step {
        var tag: Character
        /// Indices in the old and new lines; the one a line does not have is where it would be.
        var old: Int
        var new: Int
    }

    private static func hunk(_ steps: ArraySlice<Step>, a: [ManifestLines.Line], b: [ManifestLines.Line]) -> String {
        let oldCount = steps.count { $0.tag != "+" }
        let newCount = steps.count { $0.tag != "-" }
        let first = steps[steps.startIndex]
        func range(_ start: Int, _ count: Int) -> String {
            count == 1 ? "\(start + 1)" : "\(count == 0 ? start : start + 1),\(count)"
        }
        var out = "@@ -\(range(first.old, oldCount)) +\(range(first.new, newCount)) @@\n"
        for step in steps {
            let line = step.tag == "+" ? b[step.new] : a[step.old]
            out += String(step.tag) + line.text + "\n"
            if line.ending.isEmpty { out += "\\ No newline at end of file\n" }
        }
        return out
    }

    /// The shortest edit script (Myers' algorithm): the lines kept (" "), removed ("-")
    /// and added ("+"), in order.
    static func editScript(_ a: [ManifestLines.Line], _ b: [ManifestLines.Line]) -> [Step] {
        let n = a.count, m = b.count
        let offset = n + m + 1
        var v = [Int](repeating: 0, count: 2 * offset + 1)
        var trace: [[Int]] = []
        search: for d in 0...(n + m) {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x = k == -d || k != d && v[offset + k - 1] < v[offset + k + 1] ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m { break search }
            }
        }
        var steps: [Step] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let previousK = k == -d || k != d && v[offset + k - 1] < v[offset + k + 1] ? k + 1 : k - 1
            let previousX = v[offset + previousK]
            let previousY = previousX - previousK
            while x > previousX, y > previousY {
                steps.append(Step(tag: " ", old: x - 1, new: y - 1))
                x -= 1
                y -= 1
            }
            if d > 0 {
                if x == previousX {
                    steps.append(Step(tag: "+", old: x, new: y - 1))
                } else {
                    steps.append(Step(tag: "-", old: x - 1, new: y))
                }
            }
            x = previousX
            y = previousY
        }
        return steps.reversed()
    }
}
