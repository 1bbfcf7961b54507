import Foundation
import PackagePlugin

/// Turns a target's shell scripts (`*.sh`, anywhere in it) into one generated Swift
/// file of string constants, `EmbeddedScripts.NAME` for `NAME.sh`, so the scripts are
/// real files (shellcheck, a test can run them) and still part of the binary, which
/// is installed alone (no resource bundle to look up at run time).
@main
struct EmbedScripts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let scripts = module.sourceFiles(withSuffix: "sh").map(\.url).sorted { $0.path < $1.path }
        guard !scripts.isEmpty else { return [] }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedScripts.swift")
        let tool = try context.tool(named: "EmbedScriptsTool")
        return [
            .buildCommand(
                displayName: "Embedding \(scripts.count) shell scripts in \(target.name)",
                executable: tool.url,
                arguments: [output.path] + scripts.map(\.path),
                inputFiles: scripts,
                outputFiles: [output])
        ]
    }
}
