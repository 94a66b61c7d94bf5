import CSQLite
import Foundation

/// A value bound to or read from SQLite.
package enum SQLiteValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    package var int: Int64? { if case .int(let v) = self { v } else if case .double(let d) = self { Int64(d) } else { nil } }
    package var double: Double? { if case .double(let v) = self { v } else if case .int(let i) = self { Double(i) } else { nil } }
    package var text: String? { if case .text(let v) = self { v } else { nil } }
}

package struct SQLiteError: Error, CustomStringConvertible, Sendable {
    package let code: Int32
    package let message: String
    /// The OS error behind an I/O failure (sqlite3_system_errno), 0 when none: a disk that fills
    /// during a journal or WAL write is SQLITE_IOERR with ENOSPC here, not SQLITE_FULL.
    package var systemErrno: Int32 = 0

    package init(code: Int32, message: String, systemErrno: Int32 = 0) {
        self.code = code
        self.message = message
        self.systemErrno = systemErrno
    }
    package var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection. Not thread-safe: `SQLiteDatabase` gives it a thread of its own.
// Confined to one thread by SQLiteDatabase, which is why the unchecked conformance is safe.
package final class SQLiteConnection: @unchecked Sendable {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    package init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        // Several worker processes may share one file: WAL lets readers and one writer overlap,
        // and busy_timeout makes a writer wait for the lock instead of failing at once.
        sqlite3_busy_timeout(db, 10_000)
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(db)
    }

    package func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "exec failed"
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, systemErrno: sqlite3_system_errno(db))
        }
    }

    /// Runs a statement and returns its rows, each as column name → value.
    @discardableResult
    package func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [[String: SQLiteValue]] {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (index, value) in bindings.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, position)
            case .int(let v): rc = sqlite3_bind_int64(statement, position, v)
            case .double(let v): rc = sqlite3_bind_double(statement, position, v)
            case .text(let v): rc = sqlite3_bind_text(statement, position, v, -1, SQLITE_TRANSIENT)
            }
            guard rc == SQLITE_OK else { throw lastError(rc) }
        }
        var rows: [[String: SQLiteValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw lastError(rc) }
            var row: [String: SQLiteValue] = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row[name] = .int(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: row[name] = .double(sqlite3_column_double(statement, column))
                case SQLITE_NULL: row[name] = .null
                default: row[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(db)) }

    /// Runs `body` in an immediate transaction (the write lock is taken at BEGIN, so two
    /// processes never both read-then-write the same rows).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        // Prepared once and kept, like every statement `query` runs: `execute` would parse the
        // SQL again at every transaction.
        try query("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try query("COMMIT")
            return result
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    /// Runs several writes in one immediate transaction, each inside a savepoint of its own, and
    /// returns each write's error (nil: committed). A write that throws is rolled back alone; if
    /// the transaction itself fails (BEGIN or COMMIT), every write gets that error.
    package func transaction(group writes: [(SQLiteConnection) throws -> Void]) -> [(any Error)?] {
        if writes.count == 1 {
            do {
                try transaction { try writes[0](self) }
                return [nil]
            } catch {
                return [error]
            }
        }
        var errors = [(any Error)?](repeating: nil, count: writes.count)
        do {
            try query("BEGIN IMMEDIATE")
            for (index, write) in writes.enumerated() {
                try query("SAVEPOINT write")
                do {
                    try write(self)
                } catch {
                    // SQLite rolls the whole transaction back by itself on some errors (a full
                    // disk, I/O, memory); the savepoint is gone then, and so are the writes before
                    // this one: every write gets this error, not "no such savepoint".
                    if sqlite3_get_autocommit(db) != 0 { throw error }
                    errors[index] = error
                    try query("ROLLBACK TO write")
                }
                try query("RELEASE write")
            }
            try query("COMMIT")
            return errors
        } catch {
            if sqlite3_get_autocommit(db) == 0 { _ = try? query("ROLLBACK") }
            return errors.map { _ in error }
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw lastError(rc) }
        statements[sql] = statement
        return statement
    }

    private func lastError(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(db)), systemErrno: sqlite3_system_errno(db))
    }
}

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift does not import.
private let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
