import Testing
@testable import GuardedFetch

/// RFC 9309's examples and Google's documented precedence and matching examples.
struct RobotsRulesTests {
    /// RFC 9309 §5.1 (simple example).
    static let rfcExample = """
    User-Agent: *
    Disallow: *.gif$
    Disallow: /example/
    Allow: /publications/

    User-Agent: foobot
    Disallow:/
    Allow:/example/page.html
    Allow:/example/allowed.gif

    User-Agent: barbot
    User-Agent: bazbot
    Disallow: /example/page.html

    User-Agent: quxbot
    """

    @Test func rfcSimpleExample() {
        let rules = RobotsRules(parsing: Self.rfcExample)
        // foobot: only the two allowed pages.
        #expect(rules.allows(path: "/example/page.html", userAgent: "FooBot/1.0"))
        #expect(rules.allows(path: "/example/allowed.gif", userAgent: "foobot"))
        #expect(!rules.allows(path: "/example/other.html", userAgent: "foobot"))
        #expect(!rules.allows(path: "/", userAgent: "foobot"))
        // barbot and bazbot share a group.
        #expect(!rules.allows(path: "/example/page.html", userAgent: "barbot"))
        #expect(!rules.allows(path: "/example/page.html", userAgent: "BazBot"))
        #expect(rules.allows(path: "/example/other.html", userAgent: "bazbot"))
        #expect(rules.allows(path: "/foo.gif", userAgent: "barbot"))
        // quxbot: an empty group allows everything (it does not fall back to *).
        #expect(rules.allows(path: "/example/page.html", userAgent: "quxbot"))
        #expect(rules.allows(path: "/x.gif", userAgent: "quxbot"))
        // Anyone else gets the * group.
        #expect(!rules.allows(path: "/foo.gif", userAgent: "UvianWorker/1.0 (+https://github.com/uvian/uvian-worker)"))
        #expect(rules.allows(path: "/foo.gif?x=1", userAgent: "otherbot"))  // $ anchors at the end
        #expect(!rules.allows(path: "/example/index.html", userAgent: "otherbot"))
        #expect(rules.allows(path: "/publications/a", userAgent: "otherbot"))
        #expect(rules.allows(path: "/", userAgent: "otherbot"))
    }

    /// RFC 9309 §5.2 (longest match).
    @Test func rfcLongestMatch() {
        let rules = RobotsRules(parsing: """
        User-Agent: foobot
        Allow: /example/page/
        Disallow: /example/page/disallowed.gif
        """)
        #expect(rules.allows(path: "/example/page/", userAgent: "foobot"))
        #expect(rules.allows(path: "/example/page/x.html", userAgent: "foobot"))
        #expect(!rules.allows(path: "/example/page/disallowed.gif", userAgent: "foobot"))
    }

    /// RFC 9309 §2.2.1: groups for the same product token are merged; §2.1 comments and unknown keys.
    @Test func rfcMergedGroupsAndComments() {
        let rules = RobotsRules(parsing: """
        # comment
        user-agent: ExampleBot   # trailing comment
        disallow: /foo
        sitemap: https://example.com/sitemap.xml
        disallow: /bar

        user-agent: examplebot
        crawl-delay: 5
        disallow: /baz
        """)
        for path in ["/foo", "/bar/x", "/baz"] { #expect(!rules.allows(path: path, userAgent: "ExampleBot/2.1"), "\(path)") }
        #expect(rules.allows(path: "/qux", userAgent: "ExampleBot"))
        #expect(rules.allows(path: "/foo", userAgent: "OtherBot"))  // no * group: all allowed
    }

    /// CRLF and CR line ends, a BOM-free mix of cases in keys, rules before any user-agent ignored.
    @Test func lineEndingsAndStrayRules() {
        let rules = RobotsRules(parsing: "Disallow: /early\r\nUSER-AGENT: *\r\nDISALLOW: /a\rAllow: /a/b\r\n")
        #expect(rules.allows(path: "/early", userAgent: "bot"))
        #expect(!rules.allows(path: "/a/x", userAgent: "bot"))
        #expect(rules.allows(path: "/a/b", userAgent: "bot"))
    }

    /// RFC 9309 §2.2.2 percent-encoding table and §2.2.3 special characters.
    @Test func rfcEncodingAndSpecialCharacters() {
        func allows(_ rule: String, _ path: String) -> Bool {
            RobotsRules(parsing: "User-Agent: *\nDisallow: \(rule)\n").allows(path: path, userAgent: "bot") == false
        }
        #expect(allows("/foo/bar?baz=quz", "/foo/bar?baz=quz"))
        #expect(allows("/foo/bar/ツ", "/foo/bar/%E3%83%84"))
        #expect(allows("/foo/bar/%E3%83%84", "/foo/bar/ツ"))
        #expect(allows("/foo/bar/%e3%83%84", "/foo/bar/%E3%83%84"))
        #expect(allows("/foo/bar/%62%61%7A", "/foo/bar/baz"))
        #expect(allows("/foo/bar/baz", "/foo/bar/%62%61%7A"))
        #expect(!allows("/foo/bar%2Fbaz", "/foo/bar/baz"))  // an encoded reserved "/" stays encoded
        #expect(allows("/path/file-with-a-*.html", "/path/file-with-a-foo.html"))
        #expect(allows("/path/foo-*", "/path/foo-"))
        #expect(allows("/this/path/exactly$", "/this/path/exactly"))
        #expect(!allows("/this/path/exactly$", "/this/path/exactly/more"))
        #expect(RobotsRules(parsing: "User-agent: *\nDisallow: /").allows(path: "/robots.txt", userAgent: "bot"))
        #expect(RobotsRules(parsing: "User-agent: *\nDisallow:\n").allows(path: "/anything", userAgent: "bot"))
    }

    /// Google's "Order of precedence for rules" table (developers.google.com/search/docs/crawling-indexing/robots/robots_txt).
    @Test(arguments: [
        ("/page", "allow: /p\ndisallow: /", true),
        ("/folder/page", "allow: /folder\ndisallow: /folder", true),
        ("/page.htm", "allow: /page\ndisallow: /*.htm", false),
        ("/page.php5", "allow: /page\ndisallow: /*.ph", true),
        ("/", "allow: /$\ndisallow: /", true),
        ("/page.htm", "allow: /$\ndisallow: /", false),
    ])
    func googlePrecedence(path: String, group: String, allowed: Bool) {
        let rules = RobotsRules(parsing: "user-agent: *\n" + group)
        #expect(rules.allows(path: path, userAgent: "Googlebot") == allowed)
    }

    /// Google's path-matching examples for "/fish*", "/*.php$" and "/fish*.php".
    @Test func googleWildcards() {
        func matches(_ pattern: String, _ path: String) -> Bool {
            RobotsRules.matches(RobotsRules.normalize(pattern, isPattern: true), RobotsRules.normalize(path, isPattern: false))
        }
        for path in ["/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fishheads/yummy.html", "/fish.php?id=anything"] {
            #expect(matches("/fish*", path), "\(path)")
            #expect(matches("/fish", path), "\(path)")
        }
        for path in ["/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"] { #expect(!matches("/fish*", path), "\(path)") }
        for path in ["/filename.php", "/folder/filename.php"] { #expect(matches("/*.php$", path), "\(path)") }
        for path in ["/filename.php?parameters", "/filename.php/", "/filename.php5", "/windows.PHP"] {
            #expect(!matches("/*.php$", path), "\(path)")
        }
        for path in ["/fish.php", "/fishheads/catfish.php?parameters"] { #expect(matches("/fish*.php", path), "\(path)") }
        #expect(!matches("/fish*.php", "/Fish.PHP"))
        #expect(matches("*", "/anything"))
        #expect(matches("/", "/"))
    }
}
