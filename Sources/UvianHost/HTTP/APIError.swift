import Foundation
package import Hummingbird
import JSON

/// An error the API answers with: `{"error": {"code", "message", "details"}}` and a 4xx/5xx status.
package struct APIError: HTTPResponseError, Sendable {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String
    package let details: JSONValue?
    /// Headers the answer carries besides its JSON (`Allow` on a 405, `Retry-After` on a 503).
    package let headers: HTTPFields

    package init(_ status: HTTPResponse.Status, code: String, _ message: String, details: JSONValue? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    package var json: JSONValue {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let details { error["details"] = details }
        return .object(["error": .object(error)])
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(json, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }
}
