import Testing
@testable import HTML

@Suite struct TextTests {
    @Test func innerTextBreaksBlocksAndSkipsHidden() throws {
        let doc = try HTMLDocument.parse("""
            <head><title>T</title><style>p{}</style></head><body>
            <h1>Title</h1><p>One   <b>two</b>
            three</p><script>var x</script><noscript>no</noscript><template>t</template>
            <ul><li>a</li><li>b<br>c</li></ul><div hidden>h</div>
            <table><tr><td>1</td><td>2</td></tr><tr><th>3</th></tr></table>
            <pre>  keep
              this</pre><div>end</div></body>
            """)
        #expect(doc.innerText(doc.root) == "Title\n\nOne two three\n\na\nb\nc\n1\t2\n3\nkeep\nthis\nend")
    }

    @Test func textContentIsTheTextAsWrittenAndNormalizedTextCollapsesIt() throws {
        let doc = try HTMLDocument.parse("<div> a\n\t<b>b </b> <!--x--> c<script>s</script></div>")
        let div = try CSSSelectorList("div").select(in: doc).matches[0]
        // Like DOM textContent, script text counts and nothing separates adjacent text nodes.
        #expect(doc.textContent(div) == " a\n\tb   cs")
        #expect(doc.normalizedText(div) == "a b cs")
    }
}

@Suite struct SerializationTests {
    @Test func outerHTMLEscapesAndVoidElements() throws {
        let doc = try HTMLDocument.parse("<div title='a&amp;\"b\u{A0}'>x &lt; y &amp; z\u{A0}&gt;<br><img src=i.png><script>if (a < b && c) {}</script><style>a > b {}</style><!--c--></div>")
        let div = try CSSSelectorList("div").select(in: doc).matches[0]
        #expect(doc.outerHTML(div) == "<div title=\"a&amp;&quot;b&nbsp;\">x &lt; y &amp; z&nbsp;&gt;<br><img src=\"i.png\"><script>if (a < b && c) {}</script><style>a > b {}</style><!--c--></div>")
        #expect(doc.innerHTML(doc.body!) == doc.outerHTML(div))
    }

    @Test func documentSerialization() throws {
        let doc = try HTMLDocument.parse("<!doctype html><title>t</title>")
        #expect(doc.outerHTML(doc.root) == "<!DOCTYPE html><html><head><title>t</title></head><body></body></html>")
    }
}
