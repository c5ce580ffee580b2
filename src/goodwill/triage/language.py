"""Small, dependency-free language identification: enough to know when a message is *not* English.

Two steps: the dominant writing system (Cyrillic, Arabic, Han, ...) names the language family at once; for
Latin script, the most frequent function words of 14 languages decide. Only English is covered by the triage
model, so anything else is reported with ``low_confidence``. Returns an ISO 639-1 code or "und".
"""

from __future__ import annotations

import re

_STOPWORDS: dict[str, frozenset[str]] = {  # the most frequent function words of each language
    "en": frozenset(
        (
            "about again all am an and any are at be been but by can did do dont for from get got had has have he "
            "how i if im in is it its just lol me my no not now of on one or our out please she so still thanks "
            "that the there they this to u was we were what when who why will with would you your"
        ).split()
    ),
    "es": frozenset(
        (
            "al como con cuando del el en es esta está gracias hola la las lo los mas mi muy más no nos para "
            "pedido pero por porque que qué se su tengo todo tu un una y ya yo"
        ).split()
    ),
    "pt": frozenset(
        (
            "a as com como da das do dos e em está eu já mais mas meu muito na nao no não o obrigado ola olá os "
            "para por porque quando que se seu tenho tudo um uma voce você é"
        ).split()
    ),
    "fr": frozenset(
        (
            "au aux avec bonjour c'est ce cette commande dans de des du elle est et il j'ai je la le les ma mais "
            "merci mes mon ne nous pas pour que qui sur toujours tres très un une votre vous"
        ).split()
    ),
    "de": frozenset(
        (
            "aber auf bestellung bitte danke das dem den der die ein eine es fur für habe hallo hat ich immer ist "
            "kein keine mein meine mit nicht noch schon sehr sie und von warum was wie wir zu"
        ).split()
    ),
    "it": frozenset(
        (
            "anche ancora che ciao come con del della di e gli grazie ho il la le lo ma mi molto non ordine per "
            "perche perché questa questo sono un una è"
        ).split()
    ),
    "nl": frozenset(
        (
            "al bedankt bestelling dank dat de die een en geen hallo heel het hoe ik is je maar met mijn niet nog "
            "ook op van voor waarom wat zijn"
        ).split()
    ),
    "sv": frozenset(
        ("att det en ett för har hej hur ingen inte jag med men min mitt och på som tack till vad varför är").split()
    ),
    "da": frozenset(("at det en er et har hej hvad hvorfor ikke jeg med men min og på som tak til").split()),
    "tr": frozenset(("ama ben bir bu değil ile için merhaba nasıl ne neden sen teşekkürler var ve yok çok").split()),
    "id": frozenset(
        ("ada apa belum bisa dan dengan di ini itu kasih kenapa saya sudah terima tidak tolong untuk yang").split()
    ),
    "pl": frozenset(("ale czy dlaczego do dziękuję i jak jest jestem moje mój na nie się to w z że").split()),
    "ro": frozenset(("ce cu de este la mai multumesc mulțumesc nu o pe pentru si un în și").split()),
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
