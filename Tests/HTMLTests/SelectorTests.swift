import Testing
@testable import HTML

/// Expected matches are given as the elements' `id`s, in document order.
@Suite struct SelectorTests {
    static let page = """
        <!DOCTYPE html><html id=root lang=en-GB><body id=body>
        <div id=d1 class="box Main" data-k="v1 v2" title="Hello World">
          <p id=p1 class=first>one</p><p id=p2 lang=EN>two <a id=a1 href="/x.html" rel=NoFollow>l</a></p>
          <span id=s1></span><p id=p3></p><span id=s2> </span>
        </div>
        <div id=d2 class=box><ul id=ul>
          <li id=l1 class=odd>1</li><li id=l2>2</li><li id=l3 class=odd>3</li><li id=l4>4</li><li id=l5 class=odd>5</li>
        </ul><a id=a2 name=anchor>no href</a><area id=ar href=#m></div>
        <form id=f><input id=i1 type=checkbox checked><input id=i2 type=RADIO><input id=i3 disabled>
        <fieldset id=fs disabled><legend id=lg><button id=b1>in legend</button></legend><button id=b2>x</button></fieldset>
        <select id=sel><optgroup id=og disabled><option id=o1 selected>a</option></optgroup><option id=o2>b</option></select></form>
        <section id=sec><h2 id=h2>T</h2><p id=p4>after</p><p id=p5>x</p><div id=d3><p id=p6>deep</p></div></section>
        </body></html>
        """
    static let doc = try! HTMLDocument.parse(page)

    func ids(_ selector: String) throws -> [String] {
        try CSSSelectorList(selector).select(in: Self.doc).matches.map { Self.doc.attribute($0, "id") ?? "?" }
    }

    static let selectCases: [(String, [String])] = [
        ("p", ["p1", "p2", "p3", "p4", "p5", "p6"]),
        ("P", ["p1", "p2", "p3", "p4", "p5", "p6"]),
        ("ul > *", ["l1", "l2", "l3", "l4", "l5"]),
        ("#d2", ["d2"]), ("#D2", []), (".box", ["d1", "d2"]), (".main", []), (".box.Main", ["d1"]),
        ("div#d1.box", ["d1"]), ("#\\64 1", ["d1"]), (".\\62 ox.Main", ["d1"]),
        ("[title]", ["d1"]), ("[TITLE]", ["d1"]), ("[title='Hello World']", ["d1"]), ("[title=\"hello world\"]", []),
        ("[title='hello world' i]", ["d1"]), ("[data-k~=v2]", ["d1"]), ("[data-k~='v1 v2']", []),
        ("[lang|=en]", ["root", "p2"]), ("[lang|=EN s]", ["p2"]), ("[href^='/x']", ["a1"]), ("[href$=html]", ["a1"]),
        ("[href*='x.h']", ["a1"]), ("[href^='']", []), ("[rel=nofollow]", ["a1"]), ("[rel=nofollow s]", []),
        ("input[type=radio]", ["i2"]), ("[data-k=V1\\ v2 i]", ["d1"]),
        ("div p", ["p1", "p2", "p3", "p6"]),
        ("section > p", ["p4", "p5"]), ("h2 + p", ["p4"]), ("h2 ~ p", ["p4", "p5"]), ("p + span", ["s1", "s2"]),
        ("body > div p > a", ["a1"]),
        ("li:first-child", ["l1"]), ("li:last-child", ["l5"]), ("li:only-child", []), ("h2:only-child", []),
        ("p:first-of-type", ["p1", "p4", "p6"]), ("span:last-of-type", ["s2"]), ("ul:only-of-type", ["ul"]),
        ("li:nth-child(2)", ["l2"]), ("li:nth-child(odd)", ["l1", "l3", "l5"]), ("li:nth-child(even)", ["l2", "l4"]),
        ("li:nth-child(-n+3)", ["l1", "l2", "l3"]), ("li:nth-child(+5)", ["l5"]), ("li:nth-child(n)", ["l1", "l2", "l3", "l4", "l5"]),
        ("li:nth-child(2n + 1)", ["l1", "l3", "l5"]), ("li:nth-child(3n-1)", ["l2", "l5"]),
        ("li:nth-last-child(2)", ["l4"]), ("li:nth-child(2 of .odd)", ["l3"]), ("li:nth-last-child(1 of .odd)", ["l5"]),
        ("p:nth-of-type(2)", ["p2", "p5"]), ("p:nth-last-of-type(1)", ["p3", "p5", "p6"]),
        ("li:not(.odd)", ["l2", "l4"]), ("li:not(.odd, #l2)", ["l4"]), (":is(h2, #p6)", ["h2", "p6"]),
        ("section :where(p, div) > p", ["p6"]), ("div:has(> ul)", ["d2"]), ("div:has(a)", ["d1", "d2"]),
        ("h2:has(+ p)", ["h2"]), ("h2:has(~ div p)", ["h2"]), ("p:has(+ p + div)", ["p4"]), ("section:has(> div > p)", ["sec"]),
        ("div:has(> p:has(> a))", ["d1"]), ("p:empty", ["p3"]), ("span:empty", ["s1"]), (":root", ["root"]),
        (":checked", ["i1", "o1"]), (":disabled", ["i3", "fs", "b2", "og", "o1"]), ("button:enabled", ["b1"]),
        ("input:enabled", ["i1", "i2"]), (":link", ["a1", "ar"]), (":any-link", ["a1", "ar"]),
        ("h2, li#l1, h2", ["l1", "h2"]), ("*:not(:has(*)):first-child", ["?", "p1", "a1", "l1", "i1", "b1", "o1", "h2", "p6"]),
    ]

    @Test(arguments: selectCases)
    func selects(_ selector: String, _ expected: [String]) throws {
        #expect(try ids(selector) == expected, "\(selector)")
    }

    static let errorCases: [(String, String)] = [
        ("", "invalid_selector: expected a selector at position 0"),
        ("div>", "invalid_selector: expected a selector after '>' at position 4"),
        ("div > ", "invalid_selector: expected a selector after '>' at position 6"),
        ("a,", "invalid_selector: expected a selector at position 2"),
        ("a b ~", "invalid_selector: expected a selector after '~' at position 5"),
        (":hover", "invalid_selector: unknown pseudo-class ':hover' at position 0"),
        ("a::before", "invalid_selector: pseudo-elements are not supported at position 1"),
        ("#", "invalid_selector: expected an id after '#' at position 1"),
        ("a.", "invalid_selector: expected a class name after '.' at position 2"),
        ("[", "invalid_selector: expected an attribute name after '[' at position 1"),
        ("[a=", "invalid_selector: expected an attribute value at position 3"),
        ("[a!=b]", "invalid_selector: expected an attribute operator or ']' at position 2"),
        ("[a~b]", "invalid_selector: expected '=' after '~' at position 3"),
        ("[a=b", "invalid_selector: expected ']' at position 4"),
        ("[a='b]", "invalid_selector: unterminated string starting at position 3"),
        ("li:nth-child(x)", "invalid_selector: expected an+b, odd or even at position 13"),
        ("li:nth-child(2", "invalid_selector: expected ')' to close ':nth-child(' at position 14"),
        (":not(", "invalid_selector: expected a selector at position 5"),
        (":first-child(1)", "invalid_selector: ':first-child' takes no arguments at position 12"),
        ("ns|a", "invalid_selector: namespace prefixes are not supported at position 2"),
        ("a)", "invalid_selector: unexpected ')' at position 1"),
        ("a!", "invalid_selector: unexpected '!' at position 1"),
    ]

    @Test(arguments: errorCases)
    func errors(_ selector: String, _ message: String) {
        let error = #expect(throws: SelectorError.self) { try CSSSelectorList(selector) }
        #expect(error?.description == message)
    }

    @Test func limits() throws {
        let long = String(repeating: "a ", count: 1_001)
        let e1 = #expect(throws: SelectorError.self) { try CSSSelectorList(long) }
        #expect(e1?.description == "invalid_selector: selector is longer than 2000 bytes at position 2000")
        let nested = String(repeating: ":not(", count: 33) + "a" + String(repeating: ")", count: 33)
        let e2 = #expect(throws: SelectorError.self) { try CSSSelectorList(nested) }
        #expect(e2?.description.hasPrefix("invalid_selector: selector nesting is deeper than 32 levels") == true)
        _ = try CSSSelectorList(String(repeating: ":not(", count: 32) + "a" + String(repeating: ")", count: 32))

        let deep = try HTMLDocument.parse(String(repeating: "<div>", count: 300))
        let costly = try CSSSelectorList("div:has(span)", limits: SelectorLimits(maxSteps: 10_000))
        let e3 = #expect(throws: SelectorError.self) { try costly.select(in: deep) }
        #expect(e3 == .tooCostly(limit: 10_000))
        #expect(e3?.description == "selector_too_costly: matching needed more than 10000 steps")
    }

    @Test func scopeLimitAndMatches() throws {
        let list = try CSSSelectorList("li")
        let ul = try CSSSelectorList("#ul").select(in: Self.doc).matches[0]
        let result = try list.select(in: Self.doc, scope: ul, limit: 2)
        #expect(result.total == 5 && result.matches.count == 2)
        #expect(try CSSSelectorList("p").select(in: Self.doc, scope: ul).total == 0)
        #expect(list.matches(result.matches[0], in: Self.doc))
        #expect(!list.matches(ul, in: Self.doc))
        #expect(!list.matches(Self.doc.root, in: Self.doc))
    }
}
