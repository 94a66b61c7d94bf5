import Testing
@testable import Entities

/// PERSON, ORG, GPE, LOC over the installed gazetteer (skipped when the model directory is absent).
@Suite(.enabled(if: Fixtures.dataInstalled, "needs $ML_MODEL_DIR with geonames/ and names/ (scripts/install-models.sh)"))
struct NamedEntityTests {
    var r: EntityRecognizer { Fixtures.full! }

    @Test func newsSentence() {
        let text = "Apple CEO Tim Cook met President Emmanuel Macron in Paris on Tuesday, the Elysee said."
        let e = pairs(r.entities(in: text))
        #expect(e.contains("Apple|ORG"))
        #expect(e.contains("Tim Cook|PERSON"))
        #expect(e.contains("Emmanuel Macron|PERSON"))
        #expect(e.contains("Paris|GPE"))
        #expect(e.contains("Tuesday|DATE"))
    }

    @Test func countriesCitiesAndLocations() {
        let text = "Flooding along the Danube hit Austria and Hungary, while New York and São Paulo sent aid across the Atlantic Ocean to Africa."
        let e = pairs(r.entities(in: text))
        for expected in ["Danube|LOC", "Austria|GPE", "Hungary|GPE", "New York|GPE", "São Paulo|GPE", "Atlantic Ocean|LOC", "Africa|LOC"] {
            #expect(e.contains(expected), "\(expected) in \(e)")
        }
    }

    @Test func organisationsBySuffixHeadAndName() {
        let text = "Acme Widgets Inc. and Deutsche Bank joined the University of Paris, NASA and the World Health Organization."
        let e = pairs(r.entities(in: text))
        for expected in ["Acme Widgets Inc.|ORG", "Deutsche Bank|ORG", "University of Paris|ORG", "NASA|ORG", "World Health Organization|ORG"] {
            #expect(e.contains(expected), "\(expected) in \(e)")
        }
        #expect(!e.contains("Paris|GPE"))
    }

    @Test func titlesStayOutsideThePerson() {
        let e = pairs(r.entities(in: "Yesterday Dr. Jane Goodall and Mr. Smith spoke with Sen. Elizabeth Warren."))
        #expect(e.contains("Jane Goodall|PERSON"))
        #expect(e.contains("Smith|PERSON"))
        #expect(e.contains("Elizabeth Warren|PERSON"))
    }

    @Test func sentenceInitialCapitalAloneIsNotEvidence() {
        let e = r.entities(in: "Reading is fun. Nice weather. Mobile phones are everywhere. However, Split voted.")
        #expect(!e.contains { [.person, .gpe, .org].contains($0.type) && ["Reading", "Nice", "Mobile", "However"].contains($0.text) })
    }

    @Test func acronymsNeedCapitals() {
        let e = pairs(r.entities(in: "Who told us? The WHO and the US did."))
        #expect(e.contains("WHO|ORG"))
        #expect(e.contains("US|GPE"))
        #expect(!e.contains("Who|ORG"))
    }

    @Test func codePointOffsetsAfterEmoji() {
        // 👩‍👩‍👧 is five code points (one grapheme), 😀 one non-BMP code point (two UTF-16 units).
        let text = "👩‍👩‍👧😀 Angela Merkel visited Berlin on 2024-03-05 and paid €5; mail a@b.org 😀."
        let e = r.entities(in: text)
        #expect(checkInvariants(text, e).isEmpty)
        let merkel = find(e, "Angela Merkel")
        #expect(merkel?.start == 7 && merkel?.end == 20)
        #expect(find(e, "Berlin")?.start == 29)
        #expect(find(e, "2024-03-05")?.type == .date)
        #expect(find(e, "a@b.org")?.type == .email)
    }

    @Test func overlapsPreferLongestMostSpecific() {
        let e = pairs(r.entities(in: "The University of Paris paid $5 million to Paris Hilton on March 5, 2024."))
        #expect(e.contains("University of Paris|ORG"))
        #expect(e.contains("$5 million|MONEY"))
        #expect(e.contains("Paris Hilton|PERSON"))
        #expect(e.contains("March 5, 2024|DATE"))
        #expect(!e.contains("2024|CARDINAL"))
    }

    @Test func sortedAndNonOverlappingOnLongText() {
        var text = ""
        for i in 0..<400 {
            text += "😀 In \(1990 + i % 30), Acme Holdings Inc. hired \(i) staff in Tokyo at 10:30 pm; see http://x.org/\(i) or call +1 415-555-\(1000 + i). "
        }
        let e = r.entities(in: text)
        #expect(checkInvariants(text, e).isEmpty)
        #expect(e.filter { $0.type == .url }.count == 400)
        #expect(e.filter { $0.type == .phone }.count == 400)
    }

    @Test func confidenceReflectsEvidence() {
        let e = r.entities(in: "Email x@example.com about Paris. Sarah agreed.")
        let email = find(e, "x@example.com")!.confidence
        let paris = find(e, "Paris")!.confidence
        #expect(email > paris)
        if let sarah = find(e, "Sarah") { #expect(sarah.confidence < paris) }
    }
}

@Suite struct GazetteerLoadingTests {
    @Test func missingFileIsNamed() {
        do {
            _ = try Gazetteer.load(dataDirectory: "/nonexistent/models")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("/nonexistent/models/names/dist.male.first"))
        }
    }

    @Test func emptyAndWhitespaceTexts() {
        #expect(Fixtures.grammarOnly.entities(in: "").isEmpty)
        #expect(Fixtures.grammarOnly.entities(in: " \n\t ").isEmpty)
    }
}
