import CLibpq
import Foundation

/// Rows of a query: column names and text values (nil = SQL NULL).
struct PostgresRows: Sendable {
    let columns: [String]
    let rows: [[String?]]
    /// Rows inserted, updated or deleted.
    let affected: Int

    /// Each row as column name → value.
    var records: [[String: String?]] {
        rows.map { row in Dictionary(uniqueKeysWithValues: zip(columns, row)) }
    }
}

package struct PostgresError: Error, CustomStringConvertible, Sendable {
    package let message: String
    /// SQLSTATE, when the server sent one (e.g. "23505" unique violation).
    package let sqlState: String?
    /// The connection is unusable (server gone, network): the pool drops it.
    package let connectionLost: Bool
    package var description: String { message }
}

/// One libpq connection. Blocking and not thread-safe: `PostgresPool` hands it to one thread at
/// a time, never on Swift's cooperative pool. Every value is bound as a parameter
/// (`PQexecParams`), never interpolated into SQL.
// Used by one thread at a time; the pool hands it over under its lock, which is why the
// unchecked conformance is safe.
package final class PostgresConnection: @unchecked Sendable {
    private var connection: OpaquePointer?

    /// `url` is a libpq URI or conninfo (sslmode, options and the rest work as libpq documents).
    init(url: String) throws(PostgresError) {
        connection = PQconnectdb(url)
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let message = connection.map { Self.message(PQerrorMessage($0)) } ?? uvw_pq_load_error().map { String(cString: $0) } ?? "out of memory"
            PQfinish(connection)
            self.connection = nil
            // libpq's messages name the host and port, never the password.
            throw PostgresError(message: "cannot connect to PostgreSQL: \(message)", sqlState: nil, connectionLost: true)
        }
    }

    deinit {
        PQfinish(connection)
    }

    var isHealthy: Bool { connection.map { PQstatus($0) == CONNECTION_OK } ?? false }

    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
        guard let connection else { throw PostgresError(message: "connection closed", sqlState: nil, connectionLost: true) }
        let result = withCParameters(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = result.map { Self.message(PQresultErrorMessage($0)) } ?? Self.message(PQerrorMessage(connection))
            let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
            throw PostgresError(message: message.isEmpty ? "query failed" : message, sqlState: state,
                                connectionLost: PQstatus(connection) != CONNECTION_OK)
        }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, rows: rows, affected: affected)
    }

    /// Runs SQL text that may hold several statements and no parameters (migrations only).
    package func execute(script sql: String) throws(PostgresError) {
        guard let connection else { throw PostgresError(message: "connection closed", sqlState: nil, connectionLost: true) }
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = result.map { Self.message(PQresultErrorMessage($0)) } ?? Self.message(PQerrorMessage(connection))
            throw PostgresError(message: message, sqlState: nil, connectionLost: PQstatus(connection) != CONNECTION_OK)
        }
    }

    /// Runs `body` in a transaction, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try query("BEGIN")
        do {
            let value = try body()
            try query("COMMIT")
            return value
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    private func withCParameters<R>(_ parameters: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }
}
