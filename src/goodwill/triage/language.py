"""Small, dependency-free language identification: enough to know when a message is *not* English.

Two steps: the dominant writing system (Cyrillic, Arabic, Han, ...) names the language family at once; for
Latin script, the most frequent function words of 14 languages decide. Only English is covered by the triage
model, so anything else is reported with ``low_confidence``. Returns an ISO 639-1 code or "und".
"""

from __future__ import annotations

import re

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "was",
            "to",
            "of",
            "in",
            "it",
            "you",
            "i",
            "my",
            "me",
            "for",
            "on",
            "this",
            "that",
            "with",
            "have",
            "has",
            "be",
            "not",
            "your",
            "can",
            "do",
            "what",
            "why",
            "how",
            "just",
            "at",
            "so",
            "but",
            "they",
            "we",
            "get",
            "got",
            "will",
            "from",
            "been",
            "would",
            "an",
            "its",
            "im",
            "dont",
            "when",
            "no",
            "all",
            "am",
            "if",
            "there",
            "our",
            "any",
            "still",
            "please",
            "thanks",
            "about",
            "or",
            "out",
            "u",
            "now",
            "one",
            "again",
            "he",
            "she",
            "did",
            "had",
            "were",
            "by",
            "who",
            "lol",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "que",
            "y",
            "es",
            "en",
            "un",
            "una",
            "por",
            "para",
            "con",
            "no",
            "mi",
            "pero",
            "muy",
            "del",
            "al",
            "lo",
            "se",
            "su",
            "como",
            "más",
            "mas",
            "está",
            "esta",
            "hola",
            "gracias",
            "qué",
            "yo",
            "tu",
            "nos",
            "ya",
            "porque",
            "todo",
            "cuando",
            "tengo",
            "pedido",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "que",
            "e",
            "é",
            "em",
            "um",
            "uma",
            "por",
            "para",
            "com",
            "não",
            "nao",
            "meu",
            "mas",
            "muito",
            "do",
            "da",
            "dos",
            "das",
            "no",
            "na",
            "se",
            "seu",
            "como",
            "mais",
            "está",
            "obrigado",
            "olá",
            "ola",
            "eu",
            "você",
            "voce",
            "já",
            "porque",
            "tudo",
            "quando",
            "tenho",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "est",
            "un",
            "une",
            "des",
            "du",
            "de",
            "que",
            "qui",
            "pas",
            "ne",
            "pour",
            "sur",
            "avec",
            "dans",
            "je",
            "vous",
            "mon",
            "ma",
            "mes",
            "ce",
            "cette",
            "il",
            "elle",
            "nous",
            "mais",
            "très",
            "tres",
            "bonjour",
            "merci",
            "c'est",
            "j'ai",
            "au",
            "aux",
            "toujours",
            "commande",
            "votre",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "ein",
            "eine",
            "nicht",
            "ich",
            "sie",
            "wir",
            "mit",
            "für",
            "fur",
            "auf",
            "den",
            "dem",
            "zu",
            "von",
            "es",
            "mein",
            "meine",
            "aber",
            "sehr",
            "noch",
            "hallo",
            "danke",
            "wie",
            "was",
            "warum",
            "bitte",
            "habe",
            "hat",
            "kein",
            "keine",
            "schon",
            "immer",
            "bestellung",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "e",
            "è",
            "di",
            "che",
            "non",
            "per",
            "con",
            "un",
            "una",
            "mi",
            "ma",
            "molto",
            "del",
            "della",
            "sono",
            "ho",
            "ciao",
            "grazie",
            "come",
            "perché",
            "perche",
            "ancora",
            "anche",
            "questo",
            "questa",
            "ordine",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "is",
            "niet",
            "ik",
            "je",
            "van",
            "op",
            "met",
            "voor",
            "dat",
            "die",
            "maar",
            "heel",
            "nog",
            "mijn",
            "hallo",
            "dank",
            "bedankt",
            "waarom",
            "hoe",
            "wat",
            "geen",
            "al",
            "ook",
            "zijn",
            "bestelling",
        ]
    ),
    "sv": frozenset(
        [
            "och",
            "är",
            "att",
            "det",
            "som",
            "en",
            "ett",
            "inte",
            "jag",
            "på",
            "med",
            "för",
            "till",
            "har",
            "men",
            "min",
            "mitt",
            "hej",
            "tack",
            "varför",
            "hur",
            "vad",
            "ingen",
        ]
    ),
    "da": frozenset(
        [
            "og",
            "er",
            "at",
            "det",
            "som",
            "en",
            "et",
            "ikke",
            "jeg",
            "på",
            "med",
            "til",
            "har",
            "men",
            "min",
            "hej",
            "tak",
            "hvorfor",
            "hvad",
        ]
    ),
    "tr": frozenset(
        [
            "ve",
            "bir",
            "bu",
            "için",
            "ile",
            "çok",
            "ne",
            "değil",
            "ben",
            "sen",
            "merhaba",
            "teşekkürler",
            "neden",
            "nasıl",
            "var",
            "yok",
            "ama",
        ]
    ),
    "id": frozenset(
        [
            "dan",
            "yang",
            "di",
            "ini",
            "itu",
            "tidak",
            "saya",
            "untuk",
            "dengan",
            "ada",
            "apa",
            "kenapa",
            "terima",
            "kasih",
            "sudah",
            "belum",
            "tolong",
            "bisa",
        ]
    ),
    "pl": frozenset(
        [
            "i",
            "w",
            "nie",
            "na",
            "się",
            "jest",
            "to",
            "że",
            "z",
            "do",
            "jak",
            "ale",
            "dlaczego",
            "dziękuję",
            "moje",
            "mój",
            "jestem",
            "czy",
        ]
    ),
    "ro": frozenset(
        [
            "și",
            "si",
            "este",
            "nu",
            "în",
            "pe",
            "cu",
            "un",
            "o",
            "pentru",
            "mulțumesc",
            "multumesc",
            "de",
            "la",
            "ce",
            "mai",
        ]
    ),
}

# (first code point, last code point, language) for scripts that name a language or a family
_SCRIPTS: list[tuple[int, int, str]] = [
    (0x0370, 0x03FF, "el"),
    (0x0400, 0x04FF, "ru"),
    (0x0530, 0x058F, "hy"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "ar"),
    (0x0900, 0x097F, "hi"),
    (0x0980, 0x09FF, "bn"),
    (0x0A00, 0x0A7F, "pa"),
    (0x0A80, 0x0AFF, "gu"),
    (0x0B80, 0x0BFF, "ta"),
    (0x0C00, 0x0C7F, "te"),
    (0x0C80, 0x0CFF, "kn"),
    (0x0D00, 0x0D7F, "ml"),
    (0x0E00, 0x0E7F, "th"),
    (0x10A0, 0x10FF, "ka"),
    (0x1100, 0x11FF, "ko"),
    (0x3040, 0x30FF, "ja"),
    (0x3400, 0x4DBF, "zh"),
    (0x4E00, 0x9FFF, "zh"),
    (0xAC00, 0xD7AF, "ko"),
]
_UKRAINIAN = frozenset("іїєґ")
_PERSIAN = frozenset("پچژگ")


_STOP_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPWORDS.items():
    for _w in _words:
        _STOP_INDEX[_w] = (*_STOP_INDEX.get(_w, ()), _lang)
_LATIN_EXTRA = re.compile(r"[A-Za-z\u00c0-\u024f]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_NON_LATIN = re.compile(r"[\u0370-\u1fff\u2c00-\u2dff\u3040-\ud7ff]")  # Greek ... Hangul
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _script_of(ch: str) -> str | None:
    o = ord(ch)
    if o < 0x0250:
        return "latin" if ch.isalpha() else None
    for lo, hi, lang in _SCRIPTS:
        if lo <= o <= hi:
            return lang
    return "other" if ch.isalpha() else None


def _scripts(sample: str) -> tuple[dict[str, int], int]:
    """Letter counts per script. ASCII text (most of it) takes the fast path."""
    if sample.isascii():
        n = sum(1 for ch in sample if ch.isalpha()) if len(sample) < 40 else len(_LATIN_EXTRA.findall(sample))
        return ({"latin": n} if n else {}), n
    counts: dict[str, int] = {}
    n_ascii = len(_ASCII_LETTER.findall(sample))
    if n_ascii:
        counts["latin"] = n_ascii
    letters = n_ascii
    for ch in _NON_ASCII.findall(sample):
        s = _script_of(ch)
        if s is not None:
            counts[s] = counts.get(s, 0) + 1
            letters += 1
    return counts, letters


EN_STOPWORDS = _STOPWORDS["en"]
FOREIGN_STOPWORDS = frozenset().union(*(w for lang, w in _STOPWORDS.items() if lang != "en")) - EN_STOPWORDS


def detect(text: str, toks: list[str], en_hits: int = -1, foreign_hits: int = 0) -> tuple[str, float]:
    """(ISO 639-1 code or "und", confidence in [0, 1]) from the raw text and its normalised tokens.

    ``en_hits`` / ``foreign_hits``: counts of English-only and other-languages-only function words, when the
    caller already has them (the model counts them while encoding); plain ASCII text with clearly more English
    than foreign function words is English without further work.
    """
    sample = text[:600]
    if en_hits >= 2 and en_hits >= 2 * foreign_hits and (sample.isascii() or not _NON_LATIN.search(sample)):
        return "en", min(1.0, 0.4 + 1.5 * en_hits / max(len(toks), 1))
    counts, letters = _scripts(sample)
    if letters == 0:
        return "und", 0.0
    script, n = max(counts.items(), key=lambda kv: kv[1])
    if script != "latin":
        if script == "other":
            return "und", 0.3
        if script == "zh" and counts.get("ja", 0) > 0:
            script = "ja"
        elif script == "ru" and any(c in _UKRAINIAN for c in sample.lower()):
            script = "uk"
        elif script == "ar" and any(c in _PERSIAN for c in sample):
            script = "fa"
        return script, n / letters
    hits: dict[str, int] = {}
    n_words = 0
    get = _STOP_INDEX.get
    for w in toks:
        langs = get(w)
        if langs is not None:
            for lang in langs:
                hits[lang] = hits.get(lang, 0) + 1
        n_words += 1
    if not hits:
        return "und", 0.2
    en_hits = hits.get("en", 0)
    best, best_hits = max(hits.items(), key=lambda kv: kv[1])
    if en_hits == best_hits:
        best = "en"  # ties go to English, the language most brand mentions here are in
    share = best_hits / max(n_words, 1)
    return best, min(1.0, 0.4 + share * 1.5) * (n / letters)
