import PluginAPI

/// Host services that are not tied to one task: plugin-wide logging and the ABI version.
public struct HostServices: @unchecked Sendable {
    // The host table stays valid until `shutdown` returns and its functions are [any thread].
    let table: UnsafePointer<uvw_host_v1>

    /// The host's ABI minor version: check it before relying on members appended later.
    public var abiMinor: UInt16 { table.pointee.abi_minor }

    public func log(_ level: LogLevel, _ message: String) {
        withBytes(message) { msg in table.pointee.log(table.pointee.host_ctx, nil, level.rawValue, msg) }
    }
}
