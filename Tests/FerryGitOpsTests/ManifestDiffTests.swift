import Testing

@testable import FerryGitOps

@Suite("Unified diffs")
struct ManifestDiffTests {
    @Test("no change, no diff")
    func same() {
        #expect(UnifiedDiff.make(old: "a\n", new: "a\n", path: "x") == "")
    }

    @Test("changes far apart are separate hunks with three lines of context; close ones share a hunk")
    func hunks() {
        let old = (1...20).map { "line \($0)\n" }.joined()
        let new = old.replacingOccurrences(of: "line 2\n", with: "line two\n").replacingOccurrences(of: "line 18\n", with: "")
        #expect(UnifiedDiff.make(old: old, new: new, path: "f") == """
            --- a/f
            +++ b/f
            @@ -1,5 +1,5 @@
             line 1
            -line 2
            +line two
             line 3
             line 4
             line 5
            @@ -15,6 +15,5 @@
             line 15
             line 16
             line 17
            -line 18
             line 19
             line 20

            """)
        let near = old.replacingOccurrences(of: "line 2\n", with: "").replacingOccurrences(of: "line 6\n", with: "line 6\nsix\n")
        #expect(UnifiedDiff.make(old: old, new: near, path: "f").components(separatedBy: "@@ -").count == 2)
    }

    @Test("a line added at the top, and a last line without a newline")
    func edges() {
        #expect(UnifiedDiff.make(old: "a\n", new: "top\na\n", path: "f") == "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n+top\n a\n")
        #expect(UnifiedDiff.make(old: "a\n", new: "", path: "f") == "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-a\n")
        #expect(UnifiedDiff.make(old: "a\nb", new: "a\nc", path: "f")
            == "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")
    }
}
