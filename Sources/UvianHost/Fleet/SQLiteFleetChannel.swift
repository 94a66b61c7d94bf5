import Foundation
import JSON

/// The fleet on the embedded backend: the workers sharing a `DATA_DIR` share its SQLite file, so
/// commands, replies and heartbeats are rows there; each worker looks for new commands every
/// `pollInterval`.
final class SQLiteFleetChannel: FleetChannel {
    let database: SQLiteDatabase
    let pollInterval: Duration

    init(database: SQLiteDatabase, pollInterval: Duration = .milliseconds(250)) async throws {
        self.database = database
        self.pollInterval = pollInterval
        try await database.withConnection { connection in
            try connection.transaction {
                try connection.execute("""
                    CREATE TABLE IF NOT EXISTS fleet_commands (seq INTEGER PRIMARY KEY, message TEXT NOT NULL, created_at REAL NOT NULL);
                    CREATE TABLE IF NOT EXISTS fleet_replies (command_id TEXT NOT NULL, worker_id TEXT NOT NULL, reply TEXT NOT NULL,
                        created_at REAL NOT NULL, PRIMARY KEY (command_id, worker_id));
                    CREATE TABLE IF NOT EXISTS fleet_workers (worker_id TEXT PRIMARY KEY, info TEXT NOT NULL, heartbeat_at REAL NOT NULL);
                    """)
            }
        }
    }

    func publish(_ message: ControlMessage) async throws {
        let text = message.json.serialized()
        try await database.transaction { connection in
            let now = Date().timeIntervalSince1970
            try connection.query("INSERT INTO fleet_commands (message, created_at) VALUES (?, ?)", [.text(text), .double(now)])
            // Commands and replies older than five minutes have been answered or never will be.
            try connection.query("DELETE FROM fleet_commands WHERE created_at < ?", [.double(now - 300)])
            try connection.query("DELETE FROM fleet_replies WHERE created_at < ?", [.double(now - 300)])
        }
    }

    func listen(_ handle: @Sendable (String) async -> Void) async {
        // Only what is sent from now on.
        var last = (try? await database.withConnection { try $0.query("SELECT MAX(seq) AS v FROM fleet_commands").first?["v"]?.int }) ?? 0
        while !Task.isCancelled {
            let after = last
            let rows = (try? await database.withConnection { connection in
                try connection.query("SELECT seq, message FROM fleet_commands WHERE seq > ? ORDER BY seq", [.int(after)])
            }) ?? []
            for row in rows {
                last = row["seq"]?.int ?? last
                if let text = row["message"]?.text { await handle(text) }
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    func reply(_ reply: ControlReply) async throws {
        let text = reply.json.serialized()
        try await database.transaction { connection in
            try connection.query("INSERT OR REPLACE INTO fleet_replies (command_id, worker_id, reply, created_at) VALUES (?, ?, ?, ?)",
                                 [.text(reply.commandId), .text(reply.workerId), .text(text), .double(Date().timeIntervalSince1970)])
        }
    }

    func replies(to commandId: String) async throws -> [ControlReply] {
        try await database.withConnection { connection in
            try connection.query("SELECT reply FROM fleet_replies WHERE command_id = ?", [.text(commandId)])
                .compactMap { $0["reply"]?.text.flatMap { try? JSONValue.parse($0) }.flatMap(ControlReply.init(json:)) }
        }
    }

    func heartbeat(_ info: WorkerInfo) async throws {
        let text = info.json.serialized()
        try await database.transaction { connection in
            try connection.query("INSERT OR REPLACE INTO fleet_workers (worker_id, info, heartbeat_at) VALUES (?, ?, ?)",
                                 [.text(info.workerId), .text(text), .double(info.heartbeatAt.timeIntervalSince1970)])
        }
    }

    func workers(liveWithin: Duration) async throws -> [WorkerInfo] {
        let since = Date().timeIntervalSince1970 - liveWithin.inSeconds
        return try await database.withConnection { connection in
            try connection.query("SELECT info FROM fleet_workers WHERE heartbeat_at >= ? ORDER BY worker_id", [.double(since)])
                .compactMap { $0["info"]?.text.flatMap { try? JSONValue.parse($0) }.flatMap(WorkerInfo.init(json:)) }
        }
    }

    func forget(workerId: String) async throws {
        try await database.transaction { connection in
            try connection.query("DELETE FROM fleet_workers WHERE worker_id = ?", [.text(workerId)])
        }
    }
}
