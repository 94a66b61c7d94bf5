import Testing
@testable import Vader

/// Expected values are CPython 3.11's `str.lower()` / `str.isupper()` / `str.isspace()`.
@Suite struct PythonTextTests {
    @Test(arguments: [
        ("ΟΔΟΣ", "οδος"),          // final sigma at the end of a word
        ("ΑΣ.", "ας."),            // ... before punctuation
        ("ΑΣ'Α", "ασ'α"),          // the apostrophe is case-ignorable, so the sigma is not final
        ("Σ", "σ"),                // no cased letter before it
        ("ΑΣ\u{301}", "ας\u{301}"), // combining marks are skipped
        ("A Σ B", "a σ b"),
        ("İSTANBUL", "i\u{307}stanbul"),  // dotted capital I becomes two code points
        ("\u{212A}ILL", "kill"),   // the Kelvin sign lowercases to ASCII k
        ("ǅUNGLA", "ǆungla"),
        ("GOOD", "good"),
    ])
    func lower(_ text: String, _ expected: String) {
        #expect(PythonText.lower(text).unicodeScalars.elementsEqual(expected.unicodeScalars))
    }

    @Test(arguments: [
        ("GOOD", true), ("Good", false), ("GOOD!", true), (":D", true), (":)", false), ("123", false),
        ("İSTANBUL", true), ("ΟΔΟΣ", true), ("ǅUNGLA", false),  // a titlecase letter is not upper
        ("ʕA", false),   // U+0295 was still a lowercase letter in Unicode 14
        ("ꟲA", true),    // U+A7F2 was not yet Other_Lowercase in Unicode 14
        ("我", false), ("GOOD我", true),
    ])
    func isUpper(_ text: String, _ expected: Bool) {
        #expect(PythonText.isUpper(text.unicodeScalars) == expected)
    }

    @Test func whitespaceIsPythons() {
        for value: UInt32 in [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A,
                              0x2028, 0x2029, 0x202F, 0x205F, 0x3000] {
            #expect(PythonText.isSpace(value), "U+\(String(value, radix: 16))")
        }
        for value: UInt32 in [0x00, 0x08, 0x21, 0x7F, 0x180E, 0x200B, 0x2060, 0xFEFF] {
            #expect(!PythonText.isSpace(value), "U+\(String(value, radix: 16))")
        }
    }

    @Test func punctuationIsASCIIOnly() {
        let punctuation = Array("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".utf8)
        for byte in UInt8(0)...0x7F {
            #expect(PythonText.isASCIIPunctuation(byte) == punctuation.contains(byte))
        }
        #expect(!PythonText.isASCIIPunctuation(0xE2))  // lead byte of ’ and “
    }
}
