import Foundation
import Synchronization

/// Compiles the C plugins the tests load, with plain `cc` against the public header only, as a
/// third party would. Each variant is built once per test run.
enum CPluginBuilder {
    private static let cache = Mutex<[String: String]>([:])
    private static let outputDir = TestPaths.temporaryDirectory("cplugins")

    /// `Tests/HostTests/Fixtures/c-plugins/fixture.c` built with `-D<variant>` (nil: default).
    static func fixture(_ variant: String? = nil) throws -> String {
        try build(source: TestPaths.fixturesDir + "/c-plugins/fixture.c", defines: variant.map { [$0] } ?? [], name: "fixture-\(variant ?? "default")")
    }

    /// The hello-c example plugin.
    static func helloC() throws -> String {
        try build(source: TestPaths.repoRoot + "/Plugins/examples/hello-c/hello.c", defines: [], name: "hello-c")
    }

    /// Builds are serialised: tests running in parallel may ask for the same variant, and a
    /// second `cc` rewriting a library another test is loading would fail that test.
    static func build(source: String, defines: [String], name: String) throws -> String {
        try cache.withLock { cache in
            let key = ([source] + defines).joined(separator: "|")
            if let path = cache[key] { return path }
            let path = try compile(source: source, defines: defines, name: name)
            cache[key] = path
            return path
        }
    }

    private static func compile(source: String, defines: [String], name: String) throws -> String {
        let output = outputDir + "/lib\(name).so"
        let result = try Subprocess.runBlocking("/usr/bin/env", ["cc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                                                         "-fvisibility=hidden", "-I", TestPaths.headerDir]
                                            + defines.map { "-D\($0)" } + [source, "-o", output])
        guard result.status == 0 else {
            throw BuildFailure(description: "cc failed for \(name): \(result.stderr)")
        }
        return output
    }

    struct BuildFailure: Error, CustomStringConvertible {
        let description: String
    }
}
