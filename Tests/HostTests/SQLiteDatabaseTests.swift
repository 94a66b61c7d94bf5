import Foundation
import Testing
import UvianHost

/// Writes that arrive together are committed together (one transaction, a savepoint each): a
/// write that fails must lose only its own changes, and every caller gets its own answer. WAL
/// checkpoints run on a connection of their own, never inside a commit.
@Suite struct SQLiteDatabaseTests {
    struct Refused: Error, Equatable { let n: Int }

    func database() throws -> SQLiteDatabase {
        try SQLiteDatabase(path: Self.temporaryPath())
    }

    static func temporaryPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("uvw-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("db.sqlite").path
    }

    /// Commits only append to the WAL (auto-checkpointing is off on the writer); the background
    /// checkpointer copies the pages into the database file within a moment.
    @Test func theWALIsCopiedIntoTheDatabaseInTheBackground() async throws {
        let path = try Self.temporaryPath()
        let db = try SQLiteDatabase(path: path)
        try await db.withConnection { try $0.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, text TEXT NOT NULL)") }
        func fileSize(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        }
        let before = fileSize(path)
        let filler = String(repeating: "x", count: 500)
        for batch in 0..<20 {
            await withTaskGroup(of: Void.self) { group in
                for n in 0..<100 {
                    group.addTask { _ = try? await db.transaction { try $0.query("INSERT INTO t VALUES (?, ?)", [.int(Int64(batch * 100 + n)), .text(filler)]) } }
                }
            }
        }
        #expect(try await db.withConnection { try $0.query("SELECT COUNT(*) AS n FROM t").first?["n"]?.int } == 2000)
        // 2,000 rows of 500 bytes are about 1 MB: once checkpointed, the database file holds them.
        try await poll(100, every: .milliseconds(50), "the database file's growth (a checkpoint)") { fileSize(path) >= before + 900_000 }
    }

    /// Under writes that never pause the WAL still starts over: 60 MB written in a steady stream
    /// leave a WAL file far smaller than that.
    @Test func theWALStaysBoundedUnderSteadyWrites() async throws {
        let path = try Self.temporaryPath()
        let db = try SQLiteDatabase(path: path)
        try await db.withConnection { try $0.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, text TEXT NOT NULL)") }
        let filler = String(repeating: "y", count: 10_000)
        for batch in 0..<60 {
            await withTaskGroup(of: Void.self) { group in
                for n in 0..<100 {
                    group.addTask { _ = try? await db.transaction { try $0.query("INSERT INTO t VALUES (?, ?)", [.int(Int64(batch * 100 + n)), .text(filler)]) } }
                }
            }
        }
        let wal = ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber)?.intValue ?? 0
        #expect(wal < 40_000_000, "the WAL grew to \(wal) bytes")
    }

    @Test func aFailingWriteInAGroupLosesOnlyItsOwnChanges() async throws {
        let db = try database()
        try await db.withConnection { try $0.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, part INTEGER NOT NULL)") }
        // 300 writers at once: each inserts two rows; every seventh then throws, and every
        // eleventh collides with a row another writer owns (a constraint error from SQLite).
        let outcomes = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for n in 0..<300 {
                group.addTask {
                    do {
                        let value = try await db.transaction { connection in
                            try connection.query("INSERT INTO t (n, part) VALUES (?, 1)", [.int(Int64(n * 2))])
                            try connection.query("INSERT INTO t (n, part) VALUES (?, 2)", [.int(Int64(n % 11 == 5 ? 0 : n * 2 + 1))])
                            if n % 7 == 3 { throw Refused(n: n) }
                            return n
                        }
                        return (n, .success(value))
                    } catch {
                        return (n, .failure(error))
                    }
                }
            }
            var all: [Int: Result<Int, any Error>] = [:]
            for await (n, result) in group { all[n] = result }
            return all
        }
        let rows = try await db.withConnection { connection in
            Set(try connection.query("SELECT n FROM t").compactMap { $0["n"]?.int.map(Int.init) })
        }
        for n in 0..<300 {
            let shouldFail = n % 7 == 3 || n % 11 == 5
            switch outcomes[n] {
            case .success(let value)?:
                #expect(!shouldFail && value == n, "writer \(n) succeeded")
                #expect(rows.contains(n * 2) && rows.contains(n * 2 + 1), "writer \(n)'s rows are missing")
            case .failure(let error)?:
                #expect(shouldFail, "writer \(n) failed: \(error)")
                if n % 11 != 5 { #expect(error as? Refused == Refused(n: n)) }
                #expect(!rows.contains(n * 2), "writer \(n) failed but its first row was kept")
            case nil:
                Issue.record("writer \(n) never answered")
            }
        }
        // Row 0 belongs to writer 0, which succeeded; the colliding writers kept none of theirs.
        let succeeded = (0..<300).filter { n in !(n % 7 == 3 || n % 11 == 5) }
        #expect(rows.count == succeeded.count * 2)
    }

    /// Bug: a full disk in a group of writes answered "no such savepoint: write" (SQLite had rolled
    /// the whole transaction back by itself), so the caller saw an internal error, not a full
    /// disk. A real SQLITE_FULL: the page cap is reached by a single-row insert, which SQLite
    /// cannot undo alone. Every write of the group gets that error and none of them is kept.
    @Test func aFullDiskInAGroupFailsEveryWriteWithThatError() async throws {
        let db = try database()
        let errors = try await db.withConnection { connection in
            try connection.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, data BLOB NOT NULL)")
            let pages = try connection.query("PRAGMA page_count").first?["page_count"]?.int ?? 0
            _ = try connection.query("PRAGMA max_page_count = \(pages + 4)")
            let small: (SQLiteConnection) throws -> Void = { try $0.query("INSERT INTO t (data) VALUES (zeroblob(10))") }
            let large: (SQLiteConnection) throws -> Void = { try $0.query("INSERT INTO t (data) VALUES (zeroblob(1000000))") }
            return connection.transaction(group: [small, large, small]).map { $0.map { "\($0)" } }
        }
        #expect(errors.count == 3)
        for error in errors {
            #expect(error?.contains("full") == true, "\(error ?? "committed")")
        }
        let count = try await db.withConnection { try $0.query("SELECT count(*) AS n FROM t").first?["n"]?.int }
        #expect(count == 0)
        // The connection is usable afterwards: a write that fits commits.
        try await db.transaction { try $0.query("INSERT INTO t (data) VALUES (zeroblob(10))") }
    }

    @Test func aWriteIsVisibleToTheNextReadOfItsCaller() async throws {
        let db = try database()
        let store = try await SQLiteTaskStore(database: db)
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<100 {
                group.addTask {
                    let record = TaskRecord(id: "t-\(n)", queue: "q", taskType: "echo", parameters: ["n": .number(Double(n))], options: JobOptions())
                    _ = try? await store.create(record)
                    try? await store.markProcessing(record, attempt: 1, workerId: "w", at: Date())
                    try? await store.markFinished(id: record.id, status: .completed, result: ["n": .number(Double(n))], error: nil, at: Date())
                    let read = try? await store.get(id: record.id)
                    let expected: JSONValue = ["n": .number(Double(n))]
                    #expect(read?.status == .completed)
                    #expect(read?.result == expected)
                }
            }
        }
        #expect(try await store.counts()[.completed] == 100)
    }
}
