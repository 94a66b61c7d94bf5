/// First names and surnames from the US Census 1990 lists shipped in PyPI `names` 0.3.0 (MIT;
/// census data public domain), installed under $ML_MODEL_DIR/names by scripts/install-models.sh.
/// Lines look like `JAMES          3.318  3.318      1` (name, frequency %, cumulative %, rank).
enum NameLists {
    /// Surnames beyond this rank are mostly rare words ("Reading", "Bath") as often as names.
    static let surnameLimit = 20_000

    static func load(directory: String) throws(GazetteerError) -> (first: Set<String>, last: Set<String>) {
        var first = Set<String>()
        for file in ["dist.male.first", "dist.female.first"] {
            first.formUnion(try FileReader.firstFields(directory + "/" + file))
        }
        let last = Set(try FileReader.firstFields(directory + "/dist.all.last", limit: surnameLimit))
        // Month and weekday names are in the census lists too (June, August); they are dates first.
        for word in Lexicon.months.keys { first.remove(word) }
        return (first, last)
    }
}
