import Foundation

/// The standard `process_*` metrics of Prometheus's client libraries, read from /proc when
/// scraped: CPU seconds, resident and virtual memory, open and allowed file descriptors, start time.
struct ProcessMetrics: Sendable {
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    var openFDs: Double
    var maxFDs: Double
    var startTime: Double

    /// nil where /proc cannot be read (not Linux).
    static func read() -> ProcessMetrics? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces), from field 3 (state) on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double { Double(fields[number - 3]) ?? 0 }
        guard fields.count >= 22 else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return ProcessMetrics(
            cpuSeconds: (field(14) + field(15)) / ticks, residentBytes: field(24) * page, virtualBytes: field(23),
            openFDs: Double(open), maxFDs: Double(limit.rlim_cur), startTime: bootTime() + field(22) / ticks)
    }

    /// The machine's boot time (`btime` of /proc/stat): process start times count from it.
    private static func bootTime() -> Double {
        let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        let line = stat.split(separator: "\n").first { $0.hasPrefix("btime ") }
        return line.flatMap { Double($0.dropFirst(6)) } ?? 0
    }
}
