/// Small hand-written word lists (closed classes of English, and the well-known names that no
/// installed data set lists). Everything open-ended (places, first names) comes from data files.
enum Lexicon {
    /// Abbreviations whose period does not end a sentence.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "mt", "ft", "gen", "col", "lt", "sgt", "capt", "gov",
        "sen", "rep", "rev", "hon", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec", "no", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "d.c", "a.m", "p.m",
    ]

    static let months: [String: Int] = [
        "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
        "september": 9, "october": 10, "november": 11, "december": 12,
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
        "oct": 10, "nov": 11, "dec": 12,
    ]

    static let weekdays: Set<String> = [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    ]
    static let fullWeekdays: Set<String> = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Stand-alone relative dates and times.
    static let relativeDays: Set<String> = ["yesterday", "today", "tomorrow"]
    static let relativeTimes: Set<String> = ["tonight", "noon", "midnight", "midday"]
    /// "next Tuesday", "last week", "this year", "the coming month".
    static let relativeModifiers: Set<String> = ["next", "last", "this", "coming", "past", "previous", "following", "current"]
    static let periodUnits: Set<String> = [
        "day", "days", "week", "weeks", "month", "months", "year", "years", "decade", "decades", "century",
        "centuries", "quarter", "quarters", "weekend", "weekends", "fortnight", "season", "spring", "summer",
        "autumn", "fall", "winter", "semester",
    ]
    static let dayParts: Set<String> = ["morning", "afternoon", "evening", "night"]
    static let timeUnits: Set<String> = ["hour", "hours", "minute", "minutes", "second", "seconds"]

    static let currencySymbols: Set<UInt32> = [0x24, 0x20AC, 0xA3, 0xA5, 0x20B9, 0x20A9, 0x20BD, 0x20BA, 0x20A3, 0x20B1, 0x20AA]
    /// Prefixes that qualify '$': US$, A$, C$, HK$, NZ$, S$, R$.
    static let dollarPrefixes: Set<String> = ["us", "a", "c", "hk", "nz", "s", "r", "au", "ca", "sg", "nt"]
    static let currencyWords: Set<String> = [
        "dollar", "dollars", "euro", "euros", "pound", "pounds", "sterling", "yen", "yuan", "renminbi", "rupee",
        "rupees", "cent", "cents", "pence", "penny", "franc", "francs", "peso", "pesos", "rouble", "roubles",
        "ruble", "rubles", "won", "real", "reais", "rand", "krona", "kronor", "krone", "kroner", "lira", "bitcoin",
        "bitcoins", "dinar", "dinars", "dirham", "dirhams", "riyal", "riyals", "shekel", "shekels", "baht", "ringgit",
    ]
    /// Magnitude words and abbreviations after an amount ("$5 million", "$3.2bn", "€40m", "5k").
    static let scaleWords: Set<String> = [
        "hundred", "thousand", "million", "billion", "trillion", "bn", "mn", "m", "b", "k", "tn", "trn", "mln", "bln",
    ]
    static let longScaleWords: Set<String> = ["hundred", "thousand", "million", "billion", "trillion"]
    static let percentWords: Set<String> = ["percent", "pct", "percentage"]

    static let numberWords: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
        "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
        "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
    ]

    /// Words before a bare four-digit year that make it a DATE ("in 2019", "since 1990").
    static let yearPrepositions: Set<String> = ["in", "since", "by", "from", "until", "till", "during", "of", "before", "after", "through", "early", "late", "mid"]

    /// Titles before a name; the title itself is left outside the PERSON span (OntoNotes style).
    static let personTitles: Set<String> = [
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "president",
        "vice-president", "senator", "sen", "rep", "representative", "governor", "gov", "mayor", "judge", "justice",
        "minister", "chancellor", "king", "queen", "prince", "princess", "pope", "rev", "reverend", "father",
        "sister", "brother", "general", "gen", "colonel", "col", "captain", "capt", "lieutenant", "lt", "sergeant",
        "sgt", "officer", "detective", "ceo", "cfo", "cto", "coo", "chairman", "chairwoman", "chair", "director",
        "secretary", "ambassador", "commissioner", "coach", "dean", "chief", "premier", "sheikh", "emir", "rabbi",
        "imam", "archbishop", "bishop", "cardinal", "speaker", "congressman", "congresswoman", "mrs.", "md",
    ]
    /// Words that extend a title ("Chief Executive", "Prime Minister", "Vice President") and so are
    /// not the start of the name that follows.
    static let roleWords: Set<String> = [
        "executive", "officer", "operating", "financial", "technology", "prime", "vice", "deputy", "foreign",
        "finance", "defense", "defence", "interior", "health", "home", "state", "attorney", "general", "chief",
        "minister", "president", "secretary", "director", "managing", "senior", "junior", "special", "envoy",
        "spokesman", "spokeswoman", "spokesperson", "leader", "founder", "co-founder", "chair", "chairman",
        "chairwoman", "governor", "mayor", "senator", "head", "lead", "former", "acting", "interim", "then",
    ]

    /// Name particles inside a person's name ("Ludwig van Beethoven", "Charles de Gaulle").
    static let nameParticles: Set<String> = ["van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "bin", "al", "ibn", "du", "dos", "das"]
    static let nameSuffixes: Set<String> = ["jr", "sr", "ii", "iii", "iv"]

    /// The last word of an organisation's name ("Acme Widgets Inc.", "Bank of England" uses `orgHeads`).
    static let orgSuffixes: Set<String> = [
        "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "gmbh", "ag", "sa", "sas", "sarl", "spa", "srl",
        "nv", "bv", "plc", "corp", "corporation", "company", "co", "group", "holdings", "university", "institute",
        "foundation", "bank", "association", "agency", "ministry", "department", "college", "school", "academy",
        "council", "committee", "commission", "party", "airlines", "airways", "motors", "technologies", "systems",
        "labs", "laboratories", "partners", "capital", "fund", "trust", "society", "federation", "union", "authority",
        "bureau", "board", "court", "reserve", "hospital", "clinic", "church", "army", "navy", "police", "office",
        "administration", "industries", "enterprises", "associates", "pharmaceuticals", "energy", "studios", "records",
        "press", "times", "post", "journal", "news", "network", "club", "fc", "united", "organization", "organisation",
        "alliance", "coalition", "league", "parliament", "congress", "senate", "assembly", "service", "services",
        "centre", "center", "museum", "library", "consortium", "cooperative", "bancorp", "ventures", "media", "telecom",
        "insurance", "securities", "investments", "solutions", "software", "electronics", "pharma", "oil",
    ]
    /// Heads of "X of Y" organisation names ("University of Paris", "Bank of England").
    static let orgHeads: Set<String> = [
        "university", "bank", "ministry", "department", "institute", "college", "school", "academy", "council",
        "commission", "committee", "office", "board", "federation", "association", "society", "church", "museum",
        "court", "house", "parliament", "government", "state", "league", "union", "chamber", "agency", "bureau",
    ]
    /// Connectors allowed inside an organisation name.
    static let orgConnectors: Set<String> = ["of", "for", "and", "&", "the", "de", "du", "des", "la", "on"]

    /// Well-known organisations. `acronyms` match only in upper case (so "who" and "us" stay words).
    static let orgAcronyms: Set<String> = [
        "NASA", "UN", "EU", "FBI", "CIA", "NSA", "WHO", "IBM", "NATO", "IMF", "OPEC", "WTO", "UNESCO", "UNICEF",
        "BBC", "CNN", "NBC", "CBS", "ABC", "NPR", "AP", "AFP", "HSBC", "BP", "AMD", "HP", "SEC", "FDA", "CDC", "EPA",
        "FTC", "FCC", "IRS", "NHS", "ECB", "OECD", "ASEAN", "MIT", "UCLA", "NYU", "BMW", "GM", "GE", "AT&T", "KPMG",
        "ESA", "CERN", "FIFA", "UEFA", "IOC", "NFL", "NBA", "MLB", "NHL", "ICC", "ICJ", "UNHCR", "WFP", "DHS",
        "DOJ", "NIH", "NOAA", "OSCE", "UBS", "ING", "LVMH", "SAP", "TSMC", "DNC", "RNC", "IAEA", "INTERPOL", "MI6",
        "IEEE", "W3C", "IETF", "ISO", "ANC", "PLO", "KGB", "FSB", "NSF", "USPS", "LSE", "NYSE", "MSNBC", "ESPN",
    ]
    static let orgNames: [String] = [
        "United Nations", "European Union", "World Bank", "World Health Organization", "Federal Reserve",
        "European Central Bank", "Bank of England", "Red Cross", "Google", "Alphabet", "Apple", "Microsoft",
        "Amazon", "Meta", "Facebook", "Instagram", "WhatsApp", "Twitter", "Tesla", "SpaceX", "Netflix", "Nvidia",
        "Intel", "Oracle", "Samsung", "Sony", "Toyota", "Honda", "Nissan", "Volkswagen", "Siemens", "Nestlé",
        "Nestle", "Unilever", "Shell", "ExxonMobil", "Exxon", "Chevron", "Walmart", "Boeing", "Airbus",
        "Goldman Sachs", "JPMorgan", "JPMorgan Chase", "Morgan Stanley", "Citigroup", "Barclays", "Deutsche Bank",
        "BlackRock", "Berkshire Hathaway", "Pfizer", "Moderna", "Johnson & Johnson", "AstraZeneca", "Novartis",
        "Reuters", "Bloomberg", "The New York Times", "New York Times", "Washington Post", "Wall Street Journal",
        "Financial Times", "The Guardian", "The Economist", "Associated Press", "Al Jazeera", "OpenAI", "Anthropic",
        "Alibaba", "Tencent", "Huawei", "Baidu", "Xiaomi", "Uber", "Airbnb", "PayPal", "Visa", "Mastercard",
        "Coca-Cola", "PepsiCo", "McDonald's", "Starbucks", "Nike", "Adidas", "Disney", "Warner Bros", "Spotify",
        "LinkedIn", "YouTube", "TikTok", "ByteDance", "Salesforce", "Adobe", "Cisco", "Qualcomm", "Dell", "Lenovo",
        "Ford", "Ferrari", "Renault", "Peugeot", "Stellantis", "Hyundai", "Kia", "Volvo", "Ikea", "IKEA",
        "Harvard", "Stanford", "Oxford University", "Cambridge University", "Yale", "Princeton", "Pentagon",
        "Kremlin", "White House", "Congress", "Parliament", "Senate", "Supreme Court", "Wikipedia", "Mozilla",
        "Debian", "Linux Foundation", "Greenpeace", "Amnesty International", "Hamas", "Hezbollah", "Taliban",
        "Scotland Yard", "Interpol", "Europol", "Eurostat", "Gazprom", "Rosneft", "Aramco", "Saudi Aramco",
        "Petrobras", "Volkswagen Group", "Daimler", "Mercedes-Benz", "Porsche", "Audi", "Bayer", "BASF", "Allianz",
    ]

    /// Continents, oceans, seas, rivers, ranges, deserts and regions (LOC, as in OntoNotes).
    static let locations: [String] = [
        "Africa", "Asia", "Europe", "North America", "South America", "Latin America", "Central America",
        "Antarctica", "Antarctic", "Arctic", "Oceania", "Australasia", "Eurasia", "Middle East", "Near East",
        "Far East", "Southeast Asia", "South Asia", "East Asia", "Central Asia", "West Africa", "East Africa",
        "North Africa", "Sub-Saharan Africa", "Southern Africa", "Western Europe", "Eastern Europe",
        "Central Europe", "Northern Europe", "Southern Europe", "Scandinavia", "Balkans", "the Balkans",
        "Caucasus", "Caribbean", "Mediterranean", "Levant", "Maghreb", "Sahel", "Horn of Africa", "Siberia",
        "Patagonia", "Amazonia", "Pacific", "Atlantic", "Pacific Ocean", "Atlantic Ocean", "Indian Ocean",
        "Arctic Ocean", "Southern Ocean", "Mediterranean Sea", "Black Sea", "Red Sea", "Caspian Sea", "North Sea",
        "Baltic Sea", "Dead Sea", "South China Sea", "East China Sea", "Yellow Sea", "Sea of Japan", "Arabian Sea",
        "Aral Sea", "Adriatic", "Adriatic Sea", "Aegean", "Aegean Sea", "Ionian Sea", "Tyrrhenian Sea",
        "Bering Sea", "Barents Sea", "Coral Sea", "Tasman Sea", "Sea of Azov", "Persian Gulf", "Gulf of Mexico",
        "Gulf of Aden", "Bay of Bengal", "Bay of Biscay", "English Channel", "Strait of Hormuz",
        "Strait of Gibraltar", "Bosphorus", "Suez Canal", "Panama Canal", "Nile", "Nile River", "River Nile",
        "Amazon River", "Mississippi River", "Missouri River", "Yangtze", "Yangtze River", "Yellow River",
        "Mekong", "Ganges", "Indus", "Danube", "Rhine", "Rhône", "Seine", "Loire", "Thames", "River Thames",
        "Volga", "Dnieper", "Euphrates", "Tigris", "Jordan River", "Congo River", "Niger River", "Zambezi",
        "Rio Grande", "Colorado River", "Hudson River", "St. Lawrence River", "Alps", "Himalayas", "Himalaya",
        "Andes", "Rockies", "Rocky Mountains", "Appalachians", "Appalachian Mountains", "Pyrenees", "Urals",
        "Ural Mountains", "Carpathians", "Atlas Mountains", "Hindu Kush", "Karakoram", "Mount Everest", "Everest",
        "Kilimanjaro", "Mont Blanc", "Mount Fuji", "Sahara", "Sahara Desert", "Gobi", "Gobi Desert",
        "Kalahari", "Atacama", "Mojave Desert", "Great Barrier Reef", "Great Lakes", "Lake Victoria",
        "Lake Superior", "Lake Michigan", "Lake Geneva", "Lake Baikal", "Silicon Valley", "Gaza Strip",
        "West Bank", "Golan Heights", "Crimea", "Donbas", "Kashmir", "Tibet", "Balkan Peninsula",
        "Iberian Peninsula", "Arabian Peninsula", "Korean Peninsula", "Scandinavian Peninsula", "Gulf Coast",
        "East Coast", "West Coast", "Midwest", "New England", "Pacific Northwest", "Bay Area",
    ]

    /// Extra GPE spellings the standards do not carry.
    static let gpeAliases: [String] = [
        "U.S.", "U.S.A.", "US", "USA", "America", "United States of America", "U.K.", "UK", "Britain",
        "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "UAE", "Russia", "South Korea",
        "North Korea", "Iran", "Syria", "Vietnam", "Laos", "Bolivia", "Venezuela", "Tanzania", "Moldova",
        "Taiwan", "Czech Republic", "Czechia", "Ivory Coast", "Holland", "Burma", "Palestine", "Kosovo",
        "Vatican", "Vatican City", "Hong Kong", "Macau", "Washington, D.C.", "D.C.", "New York City", "NYC", "EU",
        "Brussels", "Beijing", "Kyiv", "Kiev", "Gaza",
    ]

    /// Closed-class words: never a first name, whatever the census lists say ("An", "Will").
    static let functionWords: Set<String> = [
        "the", "a", "an", "in", "on", "at", "of", "for", "to", "from", "by", "with", "and", "or", "but", "if", "as",
        "it", "he", "she", "they", "we", "you", "i", "his", "her", "this", "that", "there", "here", "when", "where",
        "what", "who", "why", "how", "which", "so", "no", "not", "all", "some", "will", "can", "may", "shall",
        "must", "do", "did", "is", "was", "be", "are", "one", "my", "our", "your", "their", "its", "mine",
    ]

    /// Capitalised words that start sentences or headings and are not names: never evidence alone,
    /// and never a single-word place (cities like "Of", "Mobile", "Split" would otherwise fire).
    static let commonCapitalized: Set<String> = [
        "the", "a", "an", "in", "on", "at", "of", "for", "to", "from", "by", "with", "and", "or", "but", "if", "as",
        "it", "its", "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "my", "your", "this",
        "that", "these", "those", "there", "here", "when", "where", "what", "who", "why", "how", "which", "while",
        "after", "before", "during", "since", "until", "about", "over", "under", "into", "then", "than", "so",
        "no", "not", "yes", "all", "some", "many", "most", "more", "much", "any", "each", "every", "both", "few",
        "other", "such", "only", "also", "just", "even", "still", "yet", "now", "today", "however", "although",
        "though", "because", "meanwhile", "moreover", "furthermore", "according", "said", "says", "mr", "mrs",
        "ms", "dr", "new", "old", "north", "south", "east", "west", "central", "northern", "southern", "eastern",
        "western", "mobile", "split", "nice", "reading", "bath", "orange", "independence", "lakes",
        "centre", "center", "union", "unity", "liberty", "hope", "faith", "grace", "joy", "march", "may", "june",
        "august", "april", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "god",
        "chapter", "section", "figure", "table", "part", "page", "note", "see", "read", "use", "let", "make",
        "please", "thanks", "thank", "dear", "hello", "hi", "well", "oh", "yesterday", "tomorrow", "last", "next",
        "first", "second", "third", "one", "two", "three", "four", "five", "ten", "hundred", "thousand",
        "million", "billion", "president", "minister", "government", "state", "city", "county", "university",
        "company", "bank", "group", "national", "international", "federal", "royal", "great", "little", "big",
        "long", "high", "low", "good", "best", "free", "open", "english", "french", "german", "american",
        "british", "chinese", "russian", "european", "african", "asian", "street", "road", "avenue", "park",
        "lake", "river", "mount", "port", "fort", "bay", "beach", "island", "islands", "valley", "hill", "hills",
        "spring", "springs", "falls", "harbor", "harbour", "summit", "gate", "bridge", "church", "temple",
        "market", "station", "airport", "university", "college", "school", "home", "house", "court", "field",
        "as", "is", "was", "are", "were", "be", "been", "has", "have", "had", "do", "does", "did", "will", "would",
        "can", "could", "should", "shall", "might", "must", "says", "told", "asked", "added", "according",
        "media", "press", "news", "world", "global", "local", "deal", "police", "army", "court", "law", "data",
        "ok", "via", "per", "re", "vs", "etc", "amen", "love", "sale", "price", "another", "episode", "man",
        "woman", "boy", "girl", "time", "say", "mine", "war", "peace", "day", "night", "life", "death", "king",
        "republic", "kingdom", "federation", "province", "region", "district", "territory", "commonwealth",
        "empire", "democratic", "islamic", "people", "capital", "metro", "downtown", "uptown", "village", "town",
    ]
}
