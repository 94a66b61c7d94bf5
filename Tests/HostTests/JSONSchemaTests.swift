import Testing

import UvianHost

/// Violations of `instance` against `schema` (both JSON text), rendered as "path: message".
private func violations(_ schema: String, _ instance: String) throws -> [String] {
    try JSONSchema(parsing: schema).validate(JSONValue.parse(instance)).map(\.description)
}

private func accepts(_ schema: String, _ instance: String) throws -> Bool {
    try violations(schema, instance).isEmpty
}

private func schemaError(_ schema: String) -> InvalidSchemaError? {
    #expect(throws: InvalidSchemaError.self) { try JSONSchema(parsing: schema) }
}

@Suite struct JSONSchemaTests {
    // MARK: type

    @Test func typeKeyword() throws {
        #expect(try accepts(#"{"type":"number"}"#, "1.5"))
        #expect(try violations(#"{"type":"number"}"#, #""1""#) == ["(root): must be a number"])
        #expect(try accepts(#"{"type":"integer"}"#, "3"))
        #expect(try accepts(#"{"type":"integer"}"#, "3.0"))
        #expect(try violations(#"{"type":"integer"}"#, "3.5") == ["(root): must be an integer"])
        #expect(try accepts(#"{"type":"string"}"#, #""x""#))
        #expect(try accepts(#"{"type":"boolean"}"#, "false"))
        #expect(try violations(#"{"type":"boolean"}"#, "0") == ["(root): must be a boolean"])
        #expect(try accepts(#"{"type":"null"}"#, "null"))
        #expect(try accepts(#"{"type":"array"}"#, "[]"))
        #expect(try violations(#"{"type":"object"}"#, "[]") == ["(root): must be an object"])
        #expect(try accepts(#"{"type":["string","null"]}"#, "null"))
        #expect(try violations(#"{"type":["string","integer","null"]}"#, "true") == ["(root): must be a string, an integer or null"])
    }

    @Test func wrongTypeSuppressesOtherKeywordsOfThatSchema() throws {
        #expect(try violations(#"{"type":"string","enum":["a"],"minLength":3}"#, "5") == ["(root): must be a string"])
    }

    // MARK: enum / const

    @Test func enumKeyword() throws {
        let schema = #"{"enum":["sum","average"]}"#
        #expect(try accepts(schema, #""sum""#))
        #expect(try violations(schema, #""max""#) == [#"(root): must be one of "sum", "average""#])
        #expect(try accepts(#"{"enum":[1, null, {"a":[1]}]}"#, #"{"a":[1.0]}"#))
        #expect(try !accepts(#"{"enum":[1, null]}"#, "false"))
    }

    @Test func constKeyword() throws {
        #expect(try accepts(#"{"const":{"a":1}}"#, #"{"a":1}"#))
        #expect(try violations(#"{"const":"x"}"#, #""y""#) == [#"(root): must be equal to "x""#])
        #expect(try accepts(#"{"const":null}"#, "null"))
        #expect(try !accepts(#"{"const":null}"#, "0"))
        #expect(try !accepts(#"{"const":1}"#, "true"))
    }

    // MARK: objects

    @Test func propertiesAndRequired() throws {
        let schema = #"{"type":"object","required":["operation","data"],"properties":{"operation":{"type":"string"},"data":{"type":"array","items":{"type":"number"}}}}"#
        #expect(try accepts(schema, #"{"operation":"sum","data":[1,2],"extra":true}"#))
        #expect(try violations(schema, #"{"data":[1,"two",3,"four"]}"#) == [
            "(root): required property 'operation' is missing",
            "/data/1: must be a number",
            "/data/3: must be a number",
        ])
    }

    @Test func additionalPropertiesFalse() throws {
        let schema = #"{"properties":{"a":{},"b":{}},"additionalProperties":false}"#
        #expect(try accepts(schema, #"{"a":1}"#))
        #expect(try violations(schema, #"{"a":1,"c":2}"#) == ["/c: property 'c' is not allowed (allowed: 'a', 'b')"])
        #expect(try violations(#"{"additionalProperties":false}"#, #"{"x":1}"#) == ["/x: property 'x' is not allowed (no properties are allowed)"])
    }

    @Test func additionalPropertiesSchema() throws {
        let schema = #"{"properties":{"name":{"type":"string"}},"additionalProperties":{"type":"number"}}"#
        #expect(try accepts(schema, #"{"name":"x","a":1,"b":2}"#))
        #expect(try violations(schema, #"{"name":"x","a":"1"}"#) == ["/a: must be a number"])
    }

    @Test func propertyCounts() throws {
        #expect(try accepts(#"{"minProperties":1,"maxProperties":2}"#, #"{"a":1}"#))
        #expect(try violations(#"{"minProperties":1}"#, "{}") == ["(root): must have at least 1 property"])
        #expect(try violations(#"{"maxProperties":1}"#, #"{"a":1,"b":2}"#) == ["(root): must have at most 1 property"])
    }

    @Test func pathsEscapeSpecialCharacters() throws {
        let schema = #"{"properties":{"a/b":{"properties":{"c~d":{"type":"string"}}}}}"#
        #expect(try violations(schema, #"{"a/b":{"c~d":1}}"#) == ["/a~1b/c~0d: must be a string"])
    }

    // MARK: arrays

    @Test func itemsAndPrefixItems() throws {
        let tuple = #"{"prefixItems":[{"type":"string"},{"type":"number"}],"items":false}"#
        #expect(try accepts(tuple, #"["a",1]"#))
        #expect(try accepts(tuple, #"["a"]"#))
        #expect(try violations(tuple, #"[1,1]"#) == ["/0: must be a string"])
        #expect(try violations(tuple, #"["a",1,2]"#) == ["(root): must contain at most 2 items"])
        let rest = #"{"prefixItems":[{"type":"string"}],"items":{"type":"boolean"}}"#
        #expect(try violations(rest, #"["a",true,3]"#) == ["/2: must be a boolean"])
        #expect(try accepts(#"{"items":true}"#, "[1,null]"))
        #expect(try violations(#"{"items":false}"#, "[1]") == ["(root): must contain at most 0 items"])
    }

    @Test func itemCounts() throws {
        #expect(try violations(#"{"minItems":2}"#, "[1]") == ["(root): must contain at least 2 items"])
        #expect(try violations(#"{"maxItems":1}"#, "[1,2]") == ["(root): must contain at most 1 item"])
        #expect(try accepts(#"{"minItems":1,"maxItems":1}"#, "[1]"))
        #expect(try accepts(#"{"minItems":5}"#, #""not an array""#))
    }

    @Test func uniqueItems() throws {
        #expect(try accepts(#"{"uniqueItems":true}"#, #"[1,"1",[1],{"a":1}]"#))
        #expect(try violations(#"{"uniqueItems":true}"#, #"[1,2,{"a":[1]},{"a":[1.0]}]"#) == [
            "(root): must not contain duplicate items (items 2 and 3 are equal)",
        ])
        #expect(try accepts(#"{"uniqueItems":false}"#, "[1,1]"))
    }

    // MARK: strings

    @Test func stringLengthCountsCodePoints() throws {
        #expect(try accepts(#"{"minLength":2,"maxLength":2}"#, #""😀é""#))
        #expect(try violations(#"{"minLength":3}"#, #""ab""#) == ["(root): must be at least 3 characters long"])
        #expect(try violations(#"{"maxLength":1}"#, #""ab""#) == ["(root): must be at most 1 character long"])
        // "e" + combining accent is one Character but two code points.
        #expect(try !accepts(#"{"maxLength":1}"#, #""e\u0301""#))
    }

    @Test func patternIsAnUnanchoredSearch() throws {
        #expect(try accepts(#"{"pattern":"b+"}"#, #""abbc""#))
        #expect(try violations(#"{"pattern":"^[a-z]+$"}"#, #""abC""#) == ["(root): must match the pattern '^[a-z]+$'"])
        #expect(try !accepts(#"{"pattern":"^[a-z]+$"}"#, #""abc\n""#))
        #expect(try !accepts(#"{"pattern":"^\\d+$"}"#, #""١٢٣""#))  // ECMA \d is ASCII only
        #expect(try accepts(#"{"pattern":"^.$"}"#, #""😀""#))
        #expect(try accepts(#"{"pattern":"x"}"#, "5"))  // only applies to strings
    }

    @Test func patternWorksConcurrently() async throws {
        let schema = try JSONSchema(parsing: #"{"items":{"pattern":"^[a-z]+[0-9]*$"}}"#)
        let results = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { schema.validate(["abc1", "ABC", "x", "1a"]).count }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: 2, count: 8))
    }

    // MARK: numbers

    @Test func numericBounds() throws {
        #expect(try accepts(#"{"minimum":0,"maximum":10}"#, "10"))
        #expect(try violations(#"{"minimum":0}"#, "-1") == ["(root): must be at least 0"])
        #expect(try violations(#"{"maximum":1.5}"#, "2") == ["(root): must be at most 1.5"])
        #expect(try violations(#"{"exclusiveMinimum":0}"#, "0") == ["(root): must be greater than 0"])
        #expect(try violations(#"{"exclusiveMaximum":10}"#, "10") == ["(root): must be less than 10"])
        #expect(try accepts(#"{"exclusiveMinimum":0,"exclusiveMaximum":1}"#, "0.5"))
        #expect(try accepts(#"{"minimum":5}"#, #""x""#))
    }

    @Test func multipleOf() throws {
        #expect(try accepts(#"{"multipleOf":3}"#, "9"))
        #expect(try violations(#"{"multipleOf":3}"#, "10") == ["(root): must be a multiple of 3"])
        #expect(try accepts(#"{"multipleOf":0.1}"#, "0.3"))
        #expect(try accepts(#"{"multipleOf":0.01}"#, "1.15"))
        #expect(try !accepts(#"{"multipleOf":0.1}"#, "0.35"))
        #expect(try accepts(#"{"multipleOf":0.5}"#, "-2.5"))
        #expect(try !accepts(#"{"multipleOf":1e-308}"#, "1e308"))  // quotient overflows: refused, no crash
    }

    // MARK: combinators

    @Test func allOf() throws {
        let schema = #"{"allOf":[{"type":"number"},{"minimum":3}]}"#
        #expect(try accepts(schema, "4"))
        #expect(try violations(schema, "2") == ["(root): must be at least 3"])
    }

    @Test func anyOf() throws {
        let schema = #"{"anyOf":[{"type":"string"},{"type":"number","minimum":0}]}"#
        #expect(try accepts(schema, #""x""#))
        #expect(try accepts(schema, "1"))
        #expect(try violations(schema, "-1") == ["(root): must match at least one of the allowed shapes (closest: must be at least 0)"])
    }

    @Test func oneOf() throws {
        let schema = #"""
        {"oneOf":[
          {"type":"object","required":["kind","radius"],"properties":{"kind":{"const":"circle"},"radius":{"type":"number"}}},
          {"type":"object","required":["kind","side"],"properties":{"kind":{"const":"square"},"side":{"type":"number"}}}
        ]}
        """#
        #expect(try accepts(schema, #"{"kind":"circle","radius":1}"#))
        #expect(try violations(schema, #"{"kind":"circle","radius":"big"}"#) == [
            "/radius: must be a number",
        ])
        // The closest branch is the one that got deepest into the value.
        #expect(try violations(schema, #"{"kind":"square","side":"big"}"#) == ["/side: must be a number"])
        #expect(try violations(#"{"oneOf":[{"type":"number"},{"minimum":0}]}"#, "1") == [
            "(root): must match exactly one of the allowed shapes, but matches more than one",
        ])
        #expect(try accepts(#"{"oneOf":[{"type":"number"},{"minimum":0}]}"#, "-1"))
    }

    @Test func notKeyword() throws {
        #expect(try accepts(#"{"not":{"type":"string"}}"#, "1"))
        #expect(try violations(#"{"not":{"type":"string"}}"#, #""x""#) == ["(root): must not match the disallowed shape"])
    }

    @Test func ifThenElse() throws {
        let schema = #"""
        {"if":{"properties":{"mode":{"const":"fixed"}}},
         "then":{"required":["value"]},
         "else":{"required":["expression"]}}
        """#
        #expect(try accepts(schema, #"{"mode":"fixed","value":1}"#))
        #expect(try violations(schema, #"{"mode":"fixed"}"#) == ["(root): required property 'value' is missing"])
        #expect(try violations(schema, #"{"mode":"auto"}"#) == ["(root): required property 'expression' is missing"])
        #expect(try accepts(#"{"then":false}"#, "1"))  // then without if does nothing
    }

    // MARK: $ref

    @Test func localReferences() throws {
        let schema = #"""
        {"$defs":{"positive":{"type":"number","exclusiveMinimum":0}},
         "type":"object",
         "properties":{"width":{"$ref":"#/$defs/positive"},"height":{"$ref":"#/$defs/positive"}}}
        """#
        #expect(try accepts(schema, #"{"width":1,"height":2}"#))
        #expect(try violations(schema, #"{"width":0,"height":"x"}"#) == ["/height: must be a number", "/width: must be greater than 0"])
    }

    @Test func recursiveReference() throws {
        let tree = ##"{"type":"object","properties":{"value":{"type":"number"},"children":{"type":"array","items":{"$ref":"#"}}}}"##
        #expect(try accepts(tree, #"{"value":1,"children":[{"value":2,"children":[]},{"value":3}]}"#))
        #expect(try violations(tree, #"{"children":[{"children":[{"value":"x"}]}]}"#) == ["/children/0/children/0/value: must be a number"])
        // As deep as the parser allows: must finish without exhausting the stack.
        let depth = 120
        let deep = String(repeating: #"{"children":["#, count: depth) + "{}" + String(repeating: "]}", count: depth)
        #expect(try accepts(tree, deep))
    }

    @Test func deepInstanceAgainstRecursiveSchemaDoesNotCrash() throws {
        let schema = try JSONSchema(parsing: ##"{"items":{"$ref":"#"}}"##)
        var value: JSONValue = []
        for _ in 0..<1_000 { value = [value] }
        let result = schema.validate(value)
        #expect(result.count == 1)
        #expect(result.first?.message == "is nested too deeply to validate")
    }

    @Test func percentEncodedAndEscapedReferences() throws {
        let schema = ##"{"$defs":{"a b":{"type":"string"},"x/y":{"type":"number"}},"properties":{"p":{"$ref":"#/$defs/a%20b"},"q":{"$ref":"#/$defs/x~1y"}}}"##
        #expect(try violations(schema, #"{"p":1,"q":"1"}"#) == ["/p: must be a string", "/q: must be a number"])
    }

    // MARK: boolean schemas and annotations

    @Test func booleanSchemas() throws {
        #expect(try accepts("true", #"{"anything":[1]}"#))
        #expect(try violations("false", "1") == ["(root): is not allowed"])
        #expect(try accepts("{}", "null"))
    }

    @Test func annotationsAndUnknownKeywordsAreIgnored() throws {
        let schema = #"""
        {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/s","title":"T",
         "description":"D","default":5,"examples":[1],"$comment":"c","format":"email","deprecated":false,
         "readOnly":true,"writeOnly":false,"x-vendor":{"anything":true},"type":"string"}
        """#
        #expect(try accepts(schema, #""not an email""#))
    }

    @Test func exposesSource() throws {
        let source: JSONValue = ["type": "string"]
        #expect(try JSONSchema(source).source == source)
    }

    // MARK: violation collection

    @Test func collectsAllViolationsUpToTheCap() throws {
        let many = "[" + Array(repeating: #""x""#, count: 50).joined(separator: ",") + "]"
        let result = try violations(#"{"items":{"type":"number"}}"#, many)
        #expect(result.count == JSONSchema.maxViolations)
        #expect(result.first == "/0: must be a number")
    }

    @Test func violationDescription() {
        #expect(SchemaViolation(path: "", message: "must be a number").description == "(root): must be a number")
        #expect(SchemaViolation(path: "/data/3", message: "must be a number").description == "/data/3: must be a number")
    }

    // MARK: invalid schemas

    @Test(arguments: [
        (#"{"type":"strng"}"#, "/type"),
        (#"{"type":[]}"#, "/type"),
        (#"{"type":["string","string"]}"#, "/type/1"),
        (#"{"type":5}"#, "/type"),
        (#"{"properties":{"x":{"type":"float"}}}"#, "/properties/x/type"),
        (#"{"patternProperties":{"^a":{}}}"#, "/patternProperties"),
        (#"{"properties":{"a":{"unevaluatedProperties":false}}}"#, "/properties/a/unevaluatedProperties"),
        (#"{"$ref":"https://example.com/schema.json"}"#, "/$ref"),
        (#"{"$ref":"other.json#/x"}"#, "/$ref"),
        (##"{"$ref":"#anchor"}"##, "/$ref"),
        (##"{"$ref":"#/$defs/missing"}"##, "/$ref"),
        (##"{"$ref":"#"}"##, "/$ref"),
        (##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}}}"##, "/$defs/a/$ref"),
        (#"{"pattern":"(unclosed"}"#, "/pattern"),
        (#"{"pattern":5}"#, "/pattern"),
        (#"{"minItems":-1}"#, "/minItems"),
        (#"{"maxLength":1.5}"#, "/maxLength"),
        (#"{"minProperties":"1"}"#, "/minProperties"),
        (#"{"minimum":"0"}"#, "/minimum"),
        (#"{"multipleOf":0}"#, "/multipleOf"),
        (#"{"multipleOf":-2}"#, "/multipleOf"),
        (#"{"required":"a"}"#, "/required"),
        (#"{"required":["a","a"]}"#, "/required/1"),
        (#"{"required":[1]}"#, "/required/0"),
        (#"{"enum":"a"}"#, "/enum"),
        (#"{"properties":[]}"#, "/properties"),
        (#"{"properties":{"a":5}}"#, "/properties/a"),
        (#"{"additionalProperties":"no"}"#, "/additionalProperties"),
        (#"{"items":[{"type":"string"}]}"#, "/items"),
        (#"{"prefixItems":[]}"#, "/prefixItems"),
        (#"{"uniqueItems":1}"#, "/uniqueItems"),
        (#"{"allOf":[]}"#, "/allOf"),
        (#"{"anyOf":{}}"#, "/anyOf"),
        (#"{"oneOf":[1]}"#, "/oneOf/0"),
        (#"{"not":null}"#, "/not"),
        (#"{"if":"x"}"#, "/if"),
        (#"{"$defs":[]}"#, "/$defs"),
        (#"{"title":5}"#, "/title"),
        (#"{"deprecated":"yes"}"#, "/deprecated"),
        ("5", ""),
        (#""string""#, ""),
        ("[]", ""),
    ])
    func invalidSchemas(_ schema: String, _ path: String) {
        let error = schemaError(schema)
        #expect(error?.path == path, "\(schema): \(String(describing: error))")
    }

    @Test func invalidSchemaMessages() {
        #expect(schemaError(#"{"patternProperties":{}}"#)?.message.contains("unsupported keyword 'patternProperties'") == true)
        #expect(schemaError(#"{"$ref":"https://x/y"}"#)?.message.contains("only local $ref is supported") == true)
        #expect(schemaError(#"{"pattern":"("}"#)?.message.contains("invalid regular expression") == true)
        #expect(schemaError(#"{"minItems":-1}"#)?.message == "must be a non-negative integer")
        #expect(schemaError(#"{"type":"strng"}"#)?.description.hasPrefix("invalid schema at /type: unknown type \"strng\"") == true)
        #expect(schemaError("{").map { $0.path == "" && $0.message.hasPrefix("not valid JSON") } == true)
    }

    @Test func deeplyNestedSchemaIsRejectedNotCrashing() {
        var schema: JSONValue = true
        for _ in 0..<1_000 { schema = ["not": schema] }
        #expect(throws: InvalidSchemaError.self) { try JSONSchema(schema) }
    }
}
