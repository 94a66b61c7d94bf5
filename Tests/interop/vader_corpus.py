"""Texts for the VADER differential test (Swift `Vader` against PyPI vaderSentiment 3.3.2).

Real sentences come from Debian's fortune cookie packages (English: fortunes-min, fortunes;
German, Spanish, Russian: fortunes-de, fortunes-es, fortunes-ru), fetched with `apt-get download`
at test time into a cache directory (never committed) and unpacked with dpkg-deb. Systematic
variations then aim at every rule of the algorithm and its quirks. Deterministic: fixed file
order, a fixed seed, no dependence on the environment beyond the packages' contents.
"""
from __future__ import annotations

import random
from pathlib import Path

from debian_packages import unpacked

PACKAGES = ["fortunes-min", "fortunes", "fortunes-de", "fortunes-es", "fortunes-ru"]
SEED = 20140601  # VADER's ICWSM paper, June 2014


def fortunes_dir() -> Path:
    """The unpacked /usr/share/games/fortunes of the packages, downloaded on first use."""
    return unpacked("uvw-vader-corpus", PACKAGES) / "usr" / "share" / "games" / "fortunes"


def _cookies(path: Path) -> list[str]:
    """The entries of one fortune file (separated by lines holding only '%')."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    entries, current = [], []
    for line in text.split("\n"):
        if line.rstrip("\r") == "%":
            entries.append("\n".join(current))
            current = []
        else:
            current.append(line)
    entries.append("\n".join(current))
    return [e for e in entries if e.strip()]


def _fortune_files(directory: Path) -> list[Path]:
    return sorted(
        p for p in directory.iterdir()
        if p.is_file() and not p.is_symlink() and p.suffix not in (".dat", ".u8")
    )


def _sample(rng: random.Random, items: list[str], count: int) -> list[str]:
    return items if len(items) <= count else rng.sample(items, count)


def real_texts(rng: random.Random) -> list[str]:
    games = fortunes_dir()
    english = [c for f in _fortune_files(games) for c in _cookies(f)]
    german = [c for f in _fortune_files(games / "de") for c in _cookies(f)]
    spanish = [c for f in _fortune_files(games / "es") for c in _cookies(f)]
    russian = [c for f in _fortune_files(games / "ru") for c in _cookies(f)]
    texts = []
    # Whole cookies, as they are (newlines, tabs, attributions, ASCII art included).
    texts += _sample(rng, english, 1400)
    texts += _sample(rng, german, 250)
    texts += _sample(rng, spanish, 200)
    texts += _sample(rng, russian, 200)
    # Single lines: tweet-length sentences.
    lines = [line.strip() for c in english for line in c.split("\n") if len(line.strip()) > 20]
    texts += _sample(rng, lines, 600)
    # Real text with the emphasis VADER reacts to added.
    for cookie in _sample(rng, english, 150):
        texts.append(cookie.upper())
        texts.append(cookie.replace(".", "!!!"))
        texts.append(cookie.replace(" ", "  \t", 3) + " :)")
    # Very long texts: many cookies joined (10,000+ characters).
    for start in range(0, 60, 12):
        texts.append("\n%\n".join(english[start * 7:start * 7 + 120]))
    texts.append(" ".join(english[:400]))
    return texts


SENTIMENT_WORDS = [
    "good", "bad", "great", "terrible", "happy", "sad", "love", "hate", "nice", "awful",
    "excellent", "horrible", "amazing", "boring", "funny", "ugly", "beautiful", "angry", "fine",
    "wonderful", "sux", "lol", "kind", "doubt", "no", "ok", "okay", "cool", "wtf", "yeah",
]
MODIFIERS = [
    "", "very", "extremely", "kind of", "sort of", "kinda", "barely", "slightly", "VERY",
    "KIND OF", "really really", "so", "just enough", "most", "less", "fucking", "Totally",
]
NEGATIONS = [
    "", "not", "never", "isn't", "isnt", "don't", "DON'T", "without", "no", "nothing",
    "wasn't", "ain't", "uh-uh", "seldom", "despite", "couldn’t", "won't",
]
ENDINGS = ["", ".", "!", "!!", "!!!", "!!!!!!!", "?", "??", "???", "????", "?!", "!?!?", "...", " :)", " :-(", " :D"]
EMOJIS = ["😀", "😢", "💘", "💋", "😁", "👍", "👎", "❤", "❤️", "🔥", "💩", "🙂", "😡", "🇫🇷", "👍🏽",
          "👨‍👩‍👧", "©", "®", "🔛", "🆙", "🕛", "™", "☺", "✨", "1️⃣"]
EMOTICONS = [":)", ":-)", ":(", ":-(", ":D", ":P", ":p", "<3", "</3", ":'(", ";)", "XD", "xD", "(:",
             "):", "=)", ":-))", "^_^", "-_-", "o_O", ":/", "D:", ":|"]


def rule_texts(rng: random.Random) -> list[str]:
    texts: list[str] = []
    # Every negation x modifier x word, with a few endings.
    for negation in NEGATIONS:
        for modifier in MODIFIERS:
            for word in rng.sample(SENTIMENT_WORDS, 3):
                parts = ["The movie was", negation, modifier, word]
                texts.append(" ".join(p for p in parts if p) + rng.choice(ENDINGS))
    # Window rules: negations and boosters one, two and three words back; "never so/this".
    fillers = ["the", "a", "movie", "it", "so", "this", "is", "was", "doubt", "least", "at", "very"]
    for word in SENTIMENT_WORDS:
        for _ in range(6):
            before = rng.sample(fillers + NEGATIONS[1:] + MODIFIERS[1:], 3)
            texts.append(" ".join(before + [word]))
    texts += [
        "Sentiment analysis has never been good.", "Sentiment analysis has never been this good!",
        "It was never so bad", "never so very good", "never this good", "it is never so good",
        "Without a doubt, excellent idea.", "Without a doubt, an excellent idea.", "without doubt good",
        "without any doubt it is good", "without doubt, bad", "the movie is so good", "it is this bad",
        "I am so so happy", "no good", "no bad", "no", "no no no", "NO good", "No, good", "not no good",
        "no problem or good", "no hate nor anger", "no  or  bad", "no nor bad", "good no", "no kind",
        "At least it isn't a horrible book.", "the least good thing", "at least good", "very least good",
        "least good", "least", "Least bad", "LEAST good idea", "it is at least happy",
        "The book was only kind of good.", "kind of", "kind of good", "kind  of bad", "it is kind of sort of bad",
        "a kind person", "what kind of man", "KIND of good", "the kind-of good", "sort of good", "just enough good",
        "It is just enough fun", "I was kind of happy", "it was kinda sorta nice", "kind kind kind of bad",
    ]
    # "but": halves before, 1.5x after; repeated values exercise the list.index quirk.
    for _ in range(80):
        left = " ".join(rng.choices(SENTIMENT_WORDS + ["the", "it", "was"], k=rng.randint(0, 5)))
        right = " ".join(rng.choices(SENTIMENT_WORDS + ["the", "it", "was"], k=rng.randint(0, 5)))
        texts.append(f"{left} {rng.choice(['but', 'BUT', 'But,', 'but...'])} {right}".strip())
    texts += [
        "good good but good good", "great great great but bad bad bad", "good but good but good",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "Today only kinda sux! But I'll get by, lol", "but", "but but", "good but", "but good",
        "happy happy happy happy but sad sad", "nice nice but nice nice nice", "love but",
    ]
    # Special cases and idioms (the sentiment-laden idioms have no effect in 3.3.2).
    idioms = ["the shit", "the bomb", "bad ass", "badass", "bus stop", "yeah right", "kiss of death",
              "to die for", "beating heart", "cut the mustard", "hand to mouth", "break a leg",
              "under the weather", "upper hand", "in the red", "on the ball", "blowing smoke"]
    for idiom in idioms:
        texts += [
            idiom, f"This is {idiom}", f"With VADER, sentiment analysis is {idiom}!",
            f"The food here is really {idiom.upper()}", f"{idiom} and more", f"I think it is not {idiom}",
            f"we waited at the {idiom} for hours", f"It was a real {idiom} of a show",
        ]
    texts += ["VADER is such a badass!", "On the other hand, VADER is quite bad ass", "Yeah right, great job",
              "oh yeah right sure", "a kiss of death for the plan", "cake to die for", "her beating heart"]
    # ALL CAPS differential, boosters in caps.
    for sentence in ["VADER is VERY SMART, handsome, and FUNNY.", "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
                     "Today SUX!", "GOOD", "GOOD BAD", "good BAD", "I LOVE it", "I love IT", "NOT GOOD at all",
                     "Not bad at all", "THIS IS NOT GOOD", "this is NOT good", "EXTREMELY good", "extremely GOOD"]:
        texts += [sentence, sentence.lower(), sentence.upper(), sentence.title()]
    # Punctuation amplifiers, alone and around words.
    for ending in ENDINGS:
        texts += [f"good{ending}", f"bad{ending}", f"the table{ending}", f"I love you {ending}{ending}"]
    texts += ["!!!!", "????", "?!?!?!", "good !!!!! ?????", "bad ! ! ! ! ! !", "okay?", "what???", "good?!"]
    # Emojis: single code points are replaced by descriptions, sequences only in part.
    for emoji in EMOJIS:
        texts += [emoji, f"I feel {emoji}", f"good{emoji}bad", f"{emoji}{emoji}{emoji}", f" {emoji} great",
                  f"Catch utf-8 emoji such as {emoji} and 💋 and 😁", f"{emoji}!", f"NOT {emoji}"]
    # Emoticons: kept whole because stripping them would leave two characters or fewer.
    for emoticon in EMOTICONS:
        texts += [emoticon, f"Make sure you {emoticon} today!", f"so bad {emoticon}", f"{emoticon}{emoticon}"]
    return texts


def edge_texts() -> list[str]:
    return [
        "", " ", "   ", "\t", "\n", "\r\n", " \t\n\r\x0b\x0c ", "\x1c\x1d\x1e\x1f", "\u00a0", "\u3000", "\u2003\u2009",
        "good\u00a0bad", "good\u2009great", "good\u200bbad", "good\x85bad", "good\x1cbad", "happy\u3000sad",
        "good\tbad\nugly\r\nnice", "line one is good\nline two is bad\n\n\tindented awful",
        "Check https://example.com/good?x=1&y=bad! now", "mail me at happy@example.org :)",
        "www.love.com", "http://t.co/abc123 #love #hate @good",
        "I have 3 apples and 4.5 pears, 100% good", "1 2 3 4 5", "10/10 would love again", "0 stars, hate",
        "don't", "DON'T like it", "I don't like it", "I dont like it", "I don’t like it", "can't stand it",
        "isn't good", "It isn't bad", "won't hurt", "wouldn't love", "ain't nothing good", "n't good",
        "'good'", "\"great\"", "(happy)", "[sad]", "--love--", "..bad..", "a+", "A+", "ok", "OK", "Ok!",
        "it's great", "it’s great", "rock'n'roll is good", "o'clock love",
        # Non-English, with the case rules Python applies (Turkish dotted I, final sigma, Kelvin sign).
        "Das ist sehr gut, aber nicht perfekt!", "Ich bin überrascht zu sehen, wie erstaunlich nützlich VADER ist!",
        "C'est très bien, mais pas génial.", "Je suis surpris de voir comment VADER est incroyablement utile !",
        "Esto es muy bueno, pero no excelente.", "¡Me encanta! ¿Verdad?", "Это очень хорошо, но не отлично.",
        "Я удивлен увидеть, как удивительно полезно ВЕЙДЕРА!", "ΟΔΟΣ ΚΑΛΟΣ", "Η ζωή είναι ΩΡΑΙΑ", "ΣΑΣ good",
        "İYİ GÜNLER good", "İstanbul is great", "GOOD İ", "I will \u212aILL you", "\u212aILL", "happy \u212aind of",
        "ǅ good", "ǅUNGLA bad", "ﬀ good", "ß GREAT", "ẞ GREAT", "Ǳ GOOD", "ÅNGSTRÖM LOVE", "ÉTÉ bad",
        "我很高兴", "我很惊讶地看到VADER是如此有用!", "私はちょうどどのように驚くほど役に立つベイダーを見て驚いています!",
        "좋아요 good", "أنا مندهش لرؤية فقط كيف مثير للدهشة فيدر فائدة!", "שלום good", "नमस्ते great",
        "GOOD 我", "ＧＯＯＤ ｂａｄ", "𝐆𝐎𝐎𝐃 bad", "Ⓖⓞⓞⓓ", "ⓖⓞⓞⓓ GOOD", "ɐ GOOD", "ᏣᎳᎩ good",
        "e\u0301te\u0301 good", "GOOD\u0301 bad", "co\u0308l", "good\ufe0f", "\ufeffgood",
    ]


def random_texts(rng: random.Random, count: int) -> list[str]:
    """Random mixes of every ingredient, for the interactions nobody thought of."""
    pool = (SENTIMENT_WORDS + [m for m in MODIFIERS if m] + [n for n in NEGATIONS if n] + EMOJIS + EMOTICONS
            + ["the", "a", "is", "was", "it", "I", "you", "but", "least", "at", "never", "so", "this", "of",
               "without", "doubt", "or", "nor", "bus", "stop", "yeah", "right", "kiss", "death", "to", "die",
               "for", "beating", "heart", "shit", "bomb", "ass", "just", "enough", "sort", "!", "?", "...",
               "GOOD", "BAD", "LOVE", "HATE", "Great", "no", "NO", "No", "ΣΑΣ", "İYİ", "\u212aill"])
    texts = []
    for _ in range(count):
        words = rng.choices(pool, k=rng.randint(1, 25))
        separators = [rng.choice([" ", " ", " ", "  ", "\t", "\n", ", ", "", "\u00a0"]) for _ in words]
        text = "".join(w + s for w, s in zip(words, separators))
        if rng.random() < 0.3:
            text = text.upper()
        texts.append(text + rng.choice(ENDINGS))
    return texts


def sentiment_corpus() -> list[str]:
    rng = random.Random(SEED)
    texts = real_texts(rng) + rule_texts(rng) + edge_texts() + random_texts(rng, 1500)
    seen, unique = set(), []
    for text in texts:
        if text not in seen:
            seen.add(text)
            unique.append(text)
    return unique


if __name__ == "__main__":
    corpus = sentiment_corpus()
    print(len(corpus), "texts,", max(map(len, corpus)), "characters at most")
