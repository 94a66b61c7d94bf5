import Testing
import UvianHost

/// `REDIS_URL` parsing: what is accepted, what is refused and why, and that the password never
/// shows in the endpoint's description (which is what logs print).
@Suite struct RedisEndpointTests {
    @Test func parsesHostPortCredentialsAndDatabase() throws {
        let endpoint = try RedisEndpoint(url: "redis://worker:s%40cret@redis.internal:6380/3")
        #expect(endpoint.host == "redis.internal")
        #expect(endpoint.port == 6380)
        #expect(endpoint.user == "worker")
        #expect(endpoint.password == "s@cret")
        #expect(endpoint.database == 3)
        #expect(!endpoint.description.contains("cret"))
        #expect(endpoint.description == "redis://redis.internal:6380/3")
    }

    @Test func defaultsAndPasswordOnly() throws {
        let plain = try RedisEndpoint(url: "redis://localhost")
        #expect(plain.port == 6379 && plain.database == 0 && plain.user == nil && plain.password == nil)
        let passwordOnly = try RedisEndpoint(url: "redis://:pw@127.0.0.1:7000")
        #expect(passwordOnly.user == nil)
        #expect(passwordOnly.password == "pw")
    }

    @Test(arguments: [
        ("rediss://h:6380", "TLS"),
        ("http://h", "must start with redis://"),
        ("redis://h/db", "database number"),
        ("not a url", "not a URL"),
    ])
    func refusesWithAReason(_ url: String, _ reason: String) {
        do {
            _ = try RedisEndpoint(url: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test func workerConfigRefusesARedissURLAtStartUp() {
        #expect(throws: WorkerConfig.Invalid.self) { try WorkerConfig(environment: ["REDIS_URL": "rediss://cache:6380"]) }
    }
}
