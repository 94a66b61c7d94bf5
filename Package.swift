// swift-tools-version:6.0
import PackageDescription

// Shared by every target: Swift 6 language mode with strict concurrency (the default in 6),
// plus the upcoming features the server packages we depend on also use.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // An import is internal unless it says otherwise: a module's public surface shows which
    // dependencies it exposes (`public import`) and nothing else leaks through it.
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "uvian-worker",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "uvian-worker", targets: ["uvian-worker"]),
        .library(name: "PluginKit", targets: ["PluginKit"]),
        // Each plugin is its own dynamic library, found by the host through plugins.yaml.
        .library(name: "DataPlugin", type: .dynamic, targets: ["DataPlugin"]),
        .library(name: "ChatPlugin", type: .dynamic, targets: ["ChatPlugin"]),
        .library(name: "SwiftFixturePlugin", type: .dynamic, targets: ["SwiftFixturePlugin"]),
        .library(name: "ScrapingPlugin", type: .dynamic, targets: ["ScrapingPlugin"]),
        // `ml` in plugins.yaml finds lib<Name>Plugin.so, hence the product's spelling.
        .library(name: "MlPlugin", type: .dynamic, targets: ["MLPlugin"]),
        .library(name: "ScriptPlugin", type: .dynamic, targets: ["ScriptPlugin"]),
        .library(name: "DocumentsPlugin", type: .dynamic, targets: ["DocumentsPlugin"]),
        .library(name: "ImagesPlugin", type: .dynamic, targets: ["ImagesPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        // NIO itself, for the HTTP connection guard's channel handlers (Hummingbird's own resolves it).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", exact: "2.8.1"),
        // SHA-256 of plugin files (and HMAC); Hummingbird's dependencies already resolve it (4.x).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // GET /metrics: Prometheus's registry and text format (its metrics are swift-metrics handlers).
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        // The C ABI: the one contract between host and plugins.
        .target(name: "PluginAPI", path: "Sources/PluginAPI"),
        // The one JSON library of the package: value, parser, writer, and Codable on top of them.
        // The host, PluginKit and the plugins share it; it depends on nothing.
        .target(name: "JSON", swiftSettings: swiftSettings),
        // pipe2 and posix_spawn's closefrom, which need _GNU_SOURCE (for starting plugin-runner children).
        .target(name: "CProcessSpawn", path: "Sources/CProcessSpawn"),
        // System libraries dlopen'ed on first use (libpq, libcurl): one loader for both.
        .target(name: "CLazyLibrary", path: "Sources/CLazyLibrary"),
        // libcurl (Debian's libcurl4-openssl-dev headers) with typed wrappers for its variadic calls, for plugins;
        // dlopen'ed by the first transfer (curl_loader.c), so loading a plugin maps no TLS/Kerberos/LDAP library.
        .target(name: "CCurl", dependencies: ["CLazyLibrary"], path: "Sources/CCurl"),
        // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses; the header is on the default path.
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // libpq (Debian's libpq-dev headers), dlopen'ed on the first connection: without DATABASE_URL the worker
        // never maps libpq and the TLS/Kerberos/LDAP libraries it pulls in.
        .target(name: "CLibpq", dependencies: ["CLazyLibrary"], path: "Sources/CLibpq"),
        // glibc's malloc.h (mallopt), for the worker's memory policy.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // gumbo 0.10.1 (Debian's libgumbo-dev, Apache-2.0): the HTML5 tree-construction algorithm in C.
        .systemLibrary(name: "CGumbo", path: "Sources/CGumbo", pkgConfig: "gumbo", providers: [.apt(["libgumbo-dev"])]),
        // glibc's iconv to UTF-8 (legacy charsets of pages and text files), for plugins.
        .target(name: "Charsets", swiftSettings: swiftSettings),
        // Plugin-side libraries (no host code): parsed HTML documents (an arena copied out of gumbo),
        // text, serialisation and the project's CSS selector engine; the guarded HTTP fetcher
        // (libcurl with the SSRF guard at connect time, caps, retries, robots.txt).
        .target(name: "HTML", dependencies: ["CGumbo", "Charsets"], swiftSettings: swiftSettings),
        .target(name: "GuardedFetch", dependencies: ["CCurl"], swiftSettings: swiftSettings),
        .target(name: "EgressProxy", dependencies: ["GuardedFetch", "CProcessSpawn"], swiftSettings: swiftSettings),
        // Where plugins get their input bytes: a URL through the guarded fetcher, a file confined to an
        // operator's directory; a fetch failure as a task's error (scraping, documents, images).
        .target(name: "PluginFetch", dependencies: ["GuardedFetch", "PluginKit"], swiftSettings: swiftSettings),
        // uchardet (Debian's libuchardet-dev, MPL-1.1): the legacy encoding of a text file.
        .systemLibrary(name: "CUchardet", path: "Sources/CUchardet", pkgConfig: "uchardet", providers: [.apt(["libuchardet-dev"])]),
        // libexttextcat (Debian's libexttextcat-dev, BSD-3): LibreOffice's n-gram language identifier.
        .systemLibrary(name: "CTextCat", path: "Sources/CTextCat", pkgConfig: "libexttextcat", providers: [.apt(["libexttextcat-dev"])]),
        // libzip (Debian's libzip-dev, BSD-3): .docx archives opened from memory (zip_source_buffer).
        .systemLibrary(name: "CZip", path: "Sources/CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        // libxml2 (Debian's libxml2-dev, MIT): the streaming reader, NONET only, DTDs refused.
        .systemLibrary(name: "CXML2", path: "Sources/CXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // Plugin-side library of the document_processing plugin: .docx to blocks,
        // stories, properties, Markdown and plain text under DocxLimits.
        .target(name: "DocxReader", dependencies: ["CZip", "CXML2"], swiftSettings: swiftSettings),
        // JSON in, JSON out over DocxReader: the python-docx differential tests.
        .executableTarget(name: "uvw-docx", dependencies: ["DocxReader", "JSON"], swiftSettings: swiftSettings),
        // Plugin-side library of the document_processing plugin: sentences, words,
        // readability, top terms and a TextRank summary, pure Swift; its stop-word list is installed by
        // scripts/install-models.sh, never committed.
        .target(name: "TextAnalysis", swiftSettings: swiftSettings),
        // JSON in, JSON out over TextAnalysis: the pysbd, textstat and TextRank differential tests.
        .executableTarget(name: "uvw-text", dependencies: ["TextAnalysis", "JSON"], swiftSettings: swiftSettings),
        // libvips 8.14 (Debian's libvips-dev, LGPL-2.1, linked dynamically) with typed wrappers for its variadic
        // `(..., NULL)` operations, which Swift cannot call. No pkgConfig: vips.pc adds -pthread, which SwiftPM
        // refuses. The public header never includes <vips/vips.h> (images are opaque pointers), so only the
        // shim's .c needs glib's include paths and Swift targets importing CVips need none.
        .target(
            name: "CVips",
            path: "Sources/CVips",
            cSettings: [.unsafeFlags(["-I/usr/include/glib-2.0", "-I/usr/lib/x86_64-linux-gnu/glib-2.0/include"])],
            linkerSettings: [.linkedLibrary("vips"), .linkedLibrary("gobject-2.0"), .linkedLibrary("glib-2.0"), .linkedLibrary("m")]
        ),
        // Plugin-side library of the coming image_processing plugin (issue 19): decode under ImageLimits (header
        // checked before any pixel, a loader allowlist, untrusted operations blocked), operations, encode, analysis.
        .target(name: "Images", dependencies: ["CVips", "JSON"], swiftSettings: swiftSettings),
        // Command-line arguments in, JSON out over Images: the Pillow/numpy differential tests.
        .executableTarget(name: "uvw-image", dependencies: ["Images", "JSON"], swiftSettings: swiftSettings),
        // Cron expressions and their next runs in a time zone, DST as Debian's cron handles it (the
        // schedules of issue 21); uvw-cron is it as JSON lines for the cronsim differential test.
        .target(name: "Cron", swiftSettings: swiftSettings),
        .executableTarget(name: "uvw-cron", dependencies: ["Cron", "JSON"], swiftSettings: swiftSettings),
        // JSON in, JSON out: a page's matches for a list of selectors (the differential test, the benchmark).
        .executableTarget(name: "uvw-select", dependencies: ["HTML"], swiftSettings: swiftSettings),
        // OpenBLAS (Debian's libopenblas-dev, BSD-3): cblas_sgemm for the MiniLM forward pass, one BLAS
        // thread per task (parallelism comes from concurrent tasks); dlopen'ed by the first embedding.
        .target(name: "CBLAS", dependencies: ["CLazyLibrary"], path: "Sources/CBLAS"),
        // Plugin-side libraries of the ml plugin: VADER sentiment over vaderSentiment's lexicon; MiniLM
        // sentence embeddings (safetensors mapped, WordPiece, the BERT forward pass); entities by rule
        // and gazetteer. Their data files are installed by scripts/install-models.sh, never committed.
        // ModelFiles: their whole-file reads and the shared default model directory.
        .target(name: "ModelFiles", swiftSettings: swiftSettings),
        .target(name: "Vader", dependencies: ["ModelFiles"], swiftSettings: swiftSettings),
        .target(name: "TextEmbedding", dependencies: ["CBLAS", "JSON", "ModelFiles"], swiftSettings: swiftSettings),
        .target(name: "Entities", dependencies: ["JSON", "ModelFiles"], swiftSettings: swiftSettings),
        // JSON in, JSON out over those libraries without a worker: token ids, vectors and entities for
        // the differential tests, and in-process timings for bench/ml_bench.py.
        .executableTarget(name: "uvw-ml", dependencies: ["Vader", "TextEmbedding", "Entities", "JSON", "CBLAS", "ModelFiles"], swiftSettings: swiftSettings),
        // The sandbox (Debian's bubblewrap and libseccomp) as a plugin-side library, for the custom_script
        // plugin and for tools run on hostile files: every namespace unshared, an unprivileged uid per
        // slot, rlimits, a seccomp filter, a wall-clock timeout that kills the whole group. The
        // launcher is its own process, so the privilege drop, rlimits and filter never run in the
        // threaded worker; libseccomp is linked by name (its .pc adds nothing more).
        .executableTarget(name: "uvw-sandbox-launch", path: "Sources/CSandboxLaunch", linkerSettings: [.linkedLibrary("seccomp")]),
        // pidfd_open and statfs, which Swift's Glibc module does not show.
        .target(name: "CSandboxSupport", path: "Sources/CSandboxSupport"),
        .target(name: "Sandbox", dependencies: ["CProcessSpawn", "CSandboxSupport"], swiftSettings: swiftSettings),
        // p50/p99 start-to-first-line of a sandboxed python3 beside a bare one.
        .executableTarget(name: "uvw-sandbox-bench", dependencies: ["Sandbox", "CProcessSpawn", "JSON"], swiftSettings: swiftSettings),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "PluginKit",
            dependencies: ["PluginAPI", "JSON"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "UvianHost",
            dependencies: [
                "PluginAPI",
                "JSON",
                "Cron",
                "CMalloc",
                "CProcessSpawn",
                "CSQLite",
                "CHiredis",
                "CLibpq",
                // Webhook deliveries go through the plugins' SSRF-guarded fetcher.
                "GuardedFetch",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Queue/Redis/Lua"), .copy("Dashboard/assets")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "uvian-worker",
            dependencies: [
                "UvianHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Measurements for bench/run that must run in a Swift process (plugin calls, store writes, the
        // bare Hummingbird route the HTTP API is compared with).
        .executableTarget(
            name: "uvw-bench",
            dependencies: [
                "UvianHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DataPlugin",
            dependencies: ["PluginKit"],
            path: "Plugins/data",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatPlugin",
            dependencies: ["PluginKit", "CCurl"],
            path: "Plugins/chat",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScrapingPlugin",
            dependencies: ["PluginKit", "HTML", "GuardedFetch", "PluginFetch"],
            path: "Plugins/scraping",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MLPlugin",
            dependencies: ["PluginKit", "Vader", "TextEmbedding", "Entities", "ModelFiles", "CMalloc"],
            path: "Plugins/ml",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScriptPlugin",
            dependencies: ["PluginKit", "Sandbox", "EgressProxy", "GuardedFetch"],
            path: "Plugins/script",
            exclude: ["python"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DocumentsPlugin",
            dependencies: ["PluginKit", "PluginFetch", "GuardedFetch", "Sandbox", "DocxReader", "TextAnalysis", "ModelFiles",
                           "Charsets", "CUchardet", "CTextCat"],
            path: "Plugins/documents",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ImagesPlugin",
            dependencies: ["PluginKit", "PluginFetch", "GuardedFetch", "Images"],
            path: "Plugins/images",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwiftFixturePlugin",
            dependencies: ["PluginKit"],
            path: "Plugins/examples/swift-fixture",
            swiftSettings: swiftSettings
        ),
        // Tests load plugins through dlopen only: they never link a plugin target.
        .testTarget(
            name: "HostTests",
            dependencies: ["UvianHost", .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HTMLTests", dependencies: ["HTML"], swiftSettings: swiftSettings),
        .testTarget(name: "VaderTests", dependencies: ["Vader"], swiftSettings: swiftSettings),
        .testTarget(name: "TextEmbeddingTests", dependencies: ["TextEmbedding"], swiftSettings: swiftSettings),
        .testTarget(name: "EntitiesTests", dependencies: ["Entities"], swiftSettings: swiftSettings),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox"], swiftSettings: swiftSettings),
        .testTarget(name: "EgressProxyTests", dependencies: ["EgressProxy", "GuardedFetch"], swiftSettings: swiftSettings),
        .testTarget(name: "DocxReaderTests", dependencies: ["DocxReader"], swiftSettings: swiftSettings),
        .testTarget(name: "TextAnalysisTests", dependencies: ["TextAnalysis"], swiftSettings: swiftSettings),
        .testTarget(name: "ImagesTests", dependencies: ["Images"], swiftSettings: swiftSettings),
        // Support/ holds the Python loopback server the tests start.
        .testTarget(name: "GuardedFetchTests", dependencies: ["GuardedFetch"], exclude: ["Support"], swiftSettings: swiftSettings),
    ]
)
