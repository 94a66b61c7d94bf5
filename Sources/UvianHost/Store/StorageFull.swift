import Glibc

/// Whether a store error means the disk (SQLite) or the database (PostgreSQL) is full: the API
/// answers those 503 `storage_full`, a condition to wait out rather than a bug.
enum StorageFull {
    static func describes(_ error: any Error) -> Bool {
        switch error {
        case let error as SQLiteError:
            // SQLITE_FULL (13): SQLite's name for a write that found no space left; a journal or WAL
            // write that hits ENOSPC comes back as SQLITE_IOERR (10) with the errno kept.
            return error.code & 0xFF == 13 || (error.code & 0xFF == 10 && error.systemErrno == ENOSPC)
        case let error as PostgresError:
            // Class 53, insufficient resources: disk_full (53100), out_of_memory (53200): only the first is storage.
            return error.sqlState == "53100"
        default:
            return false
        }
    }
}
