import Foundation

/// Where Redis is, from `REDIS_URL`: `redis://[[user]:password@]host[:port][/db]`.
///
/// `rediss://` (TLS) is refused: Debian's hiredis 0.14 has no TLS support.
package struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    package var host = "127.0.0.1"
    package var port = 6379
    package var user: String?
    package var password: String?
    package var database = 0

    package struct Invalid: Error, CustomStringConvertible, Sendable {
        package let description: String
    }

    package init(url text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw Invalid(description: "REDIS_URL is not a URL (expected redis://[user:password@]host[:port][/db])")
        }
        if scheme == "rediss" {
            throw Invalid(description: "REDIS_URL uses rediss:// (TLS), which this build cannot speak: Debian's hiredis 0.14 has no TLS. Use a TLS tunnel (stunnel, spiped) and redis:// to it.")
        }
        guard scheme == "redis" else { throw Invalid(description: "REDIS_URL must start with redis://, not \(scheme)://") }
        if let host = components.host, !host.isEmpty { self.host = host }
        if let port = components.port {
            guard (1...65535).contains(port) else { throw Invalid(description: "REDIS_URL has an invalid port") }
            self.port = port
        }
        if let user = components.user, !user.isEmpty { self.user = user.removingPercentEncoding ?? user }
        if let password = components.password, !password.isEmpty { self.password = password.removingPercentEncoding ?? password }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw Invalid(description: "REDIS_URL's path must be a database number, not '\(path)'") }
            database = db
        }
    }

    /// The same credentials at another node (a Redis Cluster redirection).
    package func at(host: String, port: Int) -> RedisEndpoint {
        var other = self
        other.host = host
        other.port = port
        return other
    }

    /// Host, port and database only: never the password.
    package var description: String { "redis://\(host):\(port)/\(database)" }
}
