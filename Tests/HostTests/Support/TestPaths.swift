import Foundation
import UvianHost

/// Where the tests find the repository, the build products and the fixtures.
enum TestPaths {
    /// The repository root (three levels above this file).
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The directory of the running test binary, where SwiftPM also puts `uvian-worker` and the
    /// plugin libraries (`libDataPlugin.so`). `PLUGIN_DIR` overrides it.
    static let buildDir: String = {
        if let dir = ProcessInfo.processInfo.environment["PLUGIN_DIR"] { return dir }
        var url = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        url.deleteLastPathComponent()
        // The XCTest bundle binary sits inside <name>.xctest on Linux only when it is a directory.
        if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }()

    static var workerBinary: String { buildDir + "/uvian-worker" }
    /// Children of process-isolated plugins: the built `uvian-worker`, not the test binary.
    static var runner: PluginRunnerCommand { PluginRunnerCommand(executable: workerBinary) }
    static var dataPlugin: String { buildDir + "/libDataPlugin.so" }
    static var fixturesDir: String { repoRoot + "/Tests/HostTests/Fixtures" }
    static var headerDir: String { repoRoot + "/Sources/PluginAPI/include" }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory(_ label: String = "test") -> String {
        let path = NSTemporaryDirectory() + "uvw-\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
