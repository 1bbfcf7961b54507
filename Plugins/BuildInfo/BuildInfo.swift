import Foundation
import PackagePlugin

/// Writes the commit the binary is built from into it (`BuildInfo.commit`), so that
/// `ferry version` names the source of an installed binary. Rerun when Git's HEAD or
/// index changes (a commit, a checkout), which is when the answer can change.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        let git = root.appending(path: ".git")
        let inputs = ["HEAD", "index", "packed-refs"].map { git.appending(path: $0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        return [
            .buildCommand(
                displayName: "Recording the commit of \(target.name)",
                executable: try context.tool(named: "BuildInfoTool").url,
                arguments: [output.path, root.path],
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
