import GuardedFetch
import Images
public import PluginKit

/// The `images` plugin: task type `image_processing` on libvips. Resize, thumbnail, crop (box, gravity or
/// smart), rotate, flip, filters, extend/pad, composite and convert as one decode-process-encode pass, or
/// an analysis (statistics, histogram, dominant colours, sharpness, perceptual hashes). Hostile images
/// meet the Images library's limits (header-only size check, loader allowlist, untrusted operations
/// blocked) and, in plugins.yaml, a child process with a memory rlimit.
final class ImagesPlugin: Plugin {
    static let name = "images"
    static let version = "1.0.0"
    static let description = "libvips image pipelines: resize, thumbnail, crop, rotate, filters, extend, composite, convert, analyze"

    static var taskTypes: [TaskType<ImagesPlugin>] {
        [
            .sync("image_processing", schema: ImageParams.schema,
                  description: "resize, crop, filter, convert or analyze an image (a file under IMAGES_DIR, base64 content or a URL)",
                  flags: [.cancellable, .blocking]) { (plugin: ImagesPlugin, params: ImageParams, context: TaskContext) in
                try ImageJob(plugin: plugin, params: params, context: context).run()
            }
            // A real decode, resize and encode: a 1x1 PNG, grown to 8x8.
            .selfTest(params: #"{"content":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==","operation":"resize","options":{"width":8}}"#),
        ]
    }

    let config: ImagesConfig
    let fetcher: Fetcher

    init(config pluginConfig: PluginConfig, host: HostServices) throws {
        config = try ImagesConfig(pluginConfig)
        // libvips' setup (its format modules, the loader blocks) at load time rather than in the first task.
        do {
            try Image.prepare(concurrency: config.limits.concurrency)
        } catch {
            throw TaskError.permanent("images: libvips cannot start: \(error)")
        }
        fetcher = Fetcher(policy: config.fetchPolicy)
        if !fetcher.invalidAllowEntries.isEmpty {
            host.log(.warning, "images: allow entries ignored (unparsable): \(fetcher.invalidAllowEntries.joined(separator: ", "))")
        }
    }
}

@_cdecl("uvw_plugin_entry_v1")
public func uvw_plugin_entry_v1() -> UnsafePointer<uvw_plugin_v1> {
    PluginExport.descriptor(for: ImagesPlugin.self)
}
