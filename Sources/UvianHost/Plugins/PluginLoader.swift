import Foundation
package import Logging
import PluginAPI

/// Opens plugin files and turns them into `LoadedPlugin`s, or into a `PluginLoadError` that names
/// the file and the reason.
package struct PluginLoader: Sendable {
    package let pluginDirs: [String]
    package let logger: Logger
    /// Starts the children of plugins with `isolation: process`.
    package let runner: PluginRunnerCommand

    package init(pluginDirs: [String], logger: Logger, runner: PluginRunnerCommand = .current) {
        self.pluginDirs = pluginDirs
        self.logger = logger
        self.runner = runner
    }

    /// The file a spec refers to: its `path`, or the first candidate name found in `plugin_dirs`.
    package func resolveFile(for spec: PluginSpec) -> String? {
        if let path = spec.path { return FileManager.default.fileExists(atPath: path) ? path : nil }
        for dir in pluginDirs {
            for candidate in spec.candidateFileNames {
                let path = (dir as NSString).appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Loads one plugin. `takenTaskTypes` maps task types other plugins already serve to their
    /// plugin's name; a clash refuses this plugin before its `init` runs.
    ///
    /// With a `stagingDir`, the file is first copied to `<stagingDir>/<name>-<sha256>.so` and
    /// opened there: a new version of a plugin then never shares a path with a loaded one (glibc
    /// would hand back the old image), and replacing the original file in place cannot corrupt
    /// a mapped library.
    package func load(_ spec: PluginSpec, takenTaskTypes: [String: String] = [:], stagingDir: String? = nil) throws(PluginLoadError) -> LoadedPlugin {
        guard let file = resolveFile(for: spec) else {
            let looked = spec.path.map { [$0] } ?? pluginDirs.flatMap { dir in spec.candidateFileNames.map { "\(dir)/\($0)" } }
            throw PluginLoadError(plugin: spec.name, file: spec.path, reason: "file not found (looked for \(looked.joined(separator: ", ")))")
        }
        func refuse(_ reason: String) -> PluginLoadError { PluginLoadError(plugin: spec.name, file: file, reason: reason) }
        guard let contents = FileManager.default.contents(atPath: file) else { throw refuse("cannot read the file") }
        let sha256 = FileDigest.sha256Hex(contents)
        var openPath = file
        var staged: StagedPluginFile?
        if let stagingDir {
            openPath = (stagingDir as NSString).appendingPathComponent("\(spec.name)-\(sha256.prefix(32)).so")
            staged = try stage(contents, at: openPath, in: stagingDir, refuse)
        }
        let plugin = try open(spec, file: file, openPath: openPath, sha256: sha256, takenTaskTypes: takenTaskTypes, refuse)
        plugin.staged = staged
        return plugin
    }

    /// Copies the file to its content-addressed path (unless the copy is there already) and takes
    /// the copy's lock, which keeps it from being swept while this generation uses it.
    private func stage(_ contents: Data, at path: String, in stagingDir: String,
                       _ refuse: (String) -> PluginLoadError) throws(PluginLoadError) -> StagedPluginFile {
        for _ in 0..<3 {
            if !FileManager.default.fileExists(atPath: path) {
                do {
                    try FileManager.default.createDirectory(atPath: stagingDir, withIntermediateDirectories: true)
                    let temporary = path + ".tmp-\(getpid())"
                    try contents.write(to: URL(fileURLWithPath: temporary))
                    guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
                } catch {
                    throw refuse("cannot stage a copy in \(stagingDir): \(error)")
                }
            }
            // A sweep by another worker may remove the copy before its lock is taken: copy again.
            if let staged = try? StagedPluginFile(path: path) { return staged }
        }
        throw refuse("cannot stage a copy in \(stagingDir): it keeps being removed")
    }

    /// Opens the (staged) file: in this process, or in plugin-runner children.
    private func open(_ spec: PluginSpec, file: String, openPath: String, sha256: String, takenTaskTypes: [String: String],
                      _ refuse: (String) -> PluginLoadError) throws(PluginLoadError) -> LoadedPlugin {
        if spec.isProcessIsolated {
            return try loadIsolated(spec, file: file, openPath: openPath, sha256: sha256, takenTaskTypes: takenTaskTypes)
        }
        guard let handle = dlopen(openPath, RTLD_NOW | RTLD_LOCAL) else {
            throw refuse("dlopen failed: \(String(cString: dlerror()))")
        }
        // A library with a Swift (or other) runtime in it must never be unmapped: the runtime keeps
        // pointers into it (reference/plugin-abi.md). Pin it before anything else can fail.
        let unloadable = !Self.carriesRuntime(handle)
        if !unloadable { dlopen(openPath, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD | RTLD_NODELETE) }
        var keepOpen = false
        defer { if !keepOpen && unloadable { dlclose(handle) } }

        guard let symbol = dlsym(handle, UVW_PLUGIN_ENTRY_V1_SYMBOL) else {
            throw refuse("missing entry symbol \(UVW_PLUGIN_ENTRY_V1_SYMBOL)")
        }
        let entry = unsafeBitCast(symbol, to: (@convention(c) () -> UnsafeRawPointer?).self)
        guard let raw = entry() else { throw refuse("\(UVW_PLUGIN_ENTRY_V1_SYMBOL) returned NULL") }
        let descriptor: CopiedDescriptor
        do {
            descriptor = try CopiedDescriptor(raw)
        } catch {
            throw refuse(error.description)
        }
        if let clash = Self.clash(descriptor.summary, takenTaskTypes) { throw refuse(clash) }

        let hostTable = HostTable(pluginName: descriptor.summary.name, logger: logger)
        let config = spec.config.serialized()
        var state: UnsafeMutableRawPointer?
        var errorBuffer = [CChar](repeating: 0, count: 1024)
        let status = withBorrowedBytes(config) { bytes in
            errorBuffer.withUnsafeMutableBufferPointer { err in
                descriptor.initFn(UnsafePointer(hostTable.pointer), bytes, &state, err.baseAddress, err.count)
            }
        }
        guard status == Int32(UVW_OK) else {
            errorBuffer[errorBuffer.count - 1] = 0
            let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw refuse("init failed: \(message.isEmpty ? "status \(status)" : message)")
        }
        keepOpen = true
        let backend = InProcessBackend(descriptor: descriptor, handle: handle, hostTable: hostTable, state: state,
                                       unloadable: unloadable && Int(descriptor.summary.runtime) == UVW_RUNTIME_C)
        return LoadedPlugin(spec: spec, file: file, sha256: sha256, summary: descriptor.summary, backend: backend)
    }

    /// `isolation: process`: the plugin is opened only in plugin-runner children, never here, so
    /// its constructors, crashes and leaks stay out of the worker.
    private func loadIsolated(_ spec: PluginSpec, file: String, openPath: String, sha256: String,
                              takenTaskTypes: [String: String]) throws(PluginLoadError) -> LoadedPlugin {
        let pool: PluginProcessPool
        let description: PluginDescription
        do {
            (pool, description) = try PluginProcessPool.start(runner, path: openPath, spec: spec, logger: logger)
        } catch {
            throw PluginLoadError(plugin: spec.name, file: file, reason: error.description)
        }
        if let clash = Self.clash(description, takenTaskTypes) {
            pool.shutdown()
            throw PluginLoadError(plugin: spec.name, file: file, reason: clash)
        }
        return LoadedPlugin(spec: spec, file: file, sha256: sha256, summary: description, backend: pool)
    }

    private static func clash(_ description: PluginDescription, _ taken: [String: String]) -> String? {
        for taskType in description.taskTypes {
            if let owner = taken[taskType.name] {
                return "duplicate task type '\(taskType.name)': already provided by plugin '\(owner)'"
            }
        }
        return nil
    }

    /// True when the library brings a language runtime that cannot be unloaded (Swift today).
    /// `dlsym` on a handle searches the library and its dependencies, so this finds libswiftCore.
    static func carriesRuntime(_ handle: UnsafeMutableRawPointer) -> Bool {
        dlsym(handle, "swift_retain") != nil
    }
}
