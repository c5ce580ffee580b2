"""Triage contract, odd input, languages, evidence, determinism and priority (no timed tests)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from goodwill.domain.enums import Intent, Sentiment
from goodwill.domain.triage import TriageResult
from goodwill.triage import classify, get_model, prioritise
from goodwill.triage.features import message_features
from goodwill.triage.model import DEFAULT_MODEL_PATH, TriageModel

COMPLAINT = "@AcmeHelp worst customer service ever, my order never arrived and nobody answers. Unacceptable!"
PRAISE = "Thank you so much @acme, the new app is brilliant, love it!"
QUESTION = "@acme_support how do I reset my password?"
SPAM = "WINNER!! You have won a FREE prize worth 1000 pounds. Text CLAIM to 80082 now to collect your cash"


def _odd_inputs() -> list[str]:
    rng = random.Random(7)
    garbage = "".join(chr(rng.randrange(0, 0x2FFFF)) for _ in range(500))
    return [
        "",
        "   \n\t ",
        "x" * 100_000,
        ("my order is late " * 7000)[:100_000],
        "😍😍😍",
        "😡🤬👎",
        bytes(range(256)).decode("latin-1"),
        garbage.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
        "\x00\x01\x02\x03",
        "\ud800 lone surrogate",
        "Hello 你好 привет مرحبا שלום 🙂",
        "?!?!?!",
        "https://t.co/abc",
        "@a @b @c",
        "1234567890",
    ]


def _check(r: TriageResult) -> None:
    assert isinstance(r, TriageResult)
    assert isinstance(r.intent, Intent)
    assert isinstance(r.sentiment, Sentiment)
    assert 0.0 <= r.complaint_probability <= 1.0
    assert 0.0 <= r.intent_score <= 1.0
    assert -1.0 <= r.sentiment_score <= 1.0
    assert r.severity in (0, 1, 2, 3, 4)
    assert (r.severity == 0) == (not r.complaint)
    assert r.complaint == (r.complaint_probability > 0.5)
    assert 0 <= r.priority <= 100
    assert isinstance(r.language, str) and r.language
    assert isinstance(r.evidence, dict)
    assert r.model_version == get_model().version
    r.as_dict()  # serialisable shape


def test_batch_in_order_one_result_per_text() -> None:
    texts = [COMPLAINT, PRAISE, QUESTION, SPAM, ""]
    results = classify(texts)
    assert len(results) == len(texts)
    for r in results:
        _check(r)
    assert results[0].complaint and results[0].intent is Intent.COMPLAINT
    assert results[1].intent is Intent.PRAISE
    assert results[3].intent is Intent.SPAM
    assert classify([]) == []


def test_odd_input_never_raises_and_is_low_confidence() -> None:
    odd = _odd_inputs()
    results = classify(odd)
    assert len(results) == len(odd)
    for text, r in zip(odd, results, strict=True):
        _check(r)
        if text != ("my order is late " * 7000)[:100_000]:
            assert r.low_confidence, text[:40]
            assert r.complaint_probability < 0.9
    empty = results[0]
    assert empty.intent is Intent.CHATTER and not empty.needs_reply and empty.language == "und"


def test_emoji_alone_keep_their_sentiment_at_low_confidence() -> None:
    # no words to say what the message is (chatter, no reply owed, nothing else guessed), but the brand should
    # still see that "😡😡" is angry and "😍" pleased, with the emoji as the evidence
    texts = ["😡😡", "@acme 😡😡😡", "😍😍", ":(", "🎄", "🎄😭"]
    results = classify(texts)
    want = ["negative", "negative", "positive", "negative", "neutral", "negative"]
    for text, r, sentiment in zip(texts, results, want, strict=True):
        _check(r)
        assert r.sentiment.value == sentiment, text
        assert r.low_confidence and r.intent is Intent.CHATTER and not r.needs_reply, text
        assert not r.complaint and r.severity == 0, text
    assert results[0].sentiment_score < -0.2 and results[2].sentiment_score > 0.2
    assert results[0].evidence["sentiment"] == ["😡"]
    assert results[5].evidence["sentiment"] == ["😭"]
    assert results[4].sentiment_score == 0.0 and results[4].evidence["sentiment"] == []
    # with words, the emoji are one feature among others, as before
    assert classify(["thanks so much, love it 😍"])[0].intent is Intent.PRAISE


def test_non_strings_in_the_batch_do_not_raise() -> None:
    results = classify([None, b"bytes \xff", 42, COMPLAINT])  # type: ignore[list-item]
    assert len(results) == 4
    for r in results:
        _check(r)
    assert results[3].complaint


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hola, mi pedido no ha llegado todavía y nadie me contesta", "es"),
        ("Bonjour, ma commande n'est toujours pas arrivée, c'est inadmissible", "fr"),
        ("Hallo, meine Bestellung ist immer noch nicht da und niemand antwortet", "de"),
        ("Ciao, il mio ordine non è ancora arrivato e nessuno mi risponde", "it"),
        ("Olá, o meu pedido ainda não chegou e ninguém responde", "pt"),
        ("Привет, мой заказ до сих пор не пришёл", "ru"),
        ("我的订单还没有到,客服也不回复", "zh"),
        ("注文した商品がまだ届きません", "ja"),
        ("طلبي لم يصل بعد ولا أحد يرد", "ar"),
        ("주문한 상품이 아직 도착하지 않았어요", "ko"),
    ],
)
def test_languages_the_model_does_not_cover_are_flagged(text: str, lang: str) -> None:
    (r,) = classify([text])
    _check(r)
    assert r.language == lang
    assert r.low_confidence
    assert 0.25 <= r.complaint_probability <= 0.75  # no confident label in a language it does not know
    assert r.needs_reply  # a person should read it
    assert "not covered" in r.needs_reply_reason


def test_english_is_detected_and_confident() -> None:
    for r in classify([COMPLAINT, PRAISE, QUESTION]):
        assert r.language == "en"
        assert not r.low_confidence


def test_evidence_names_the_cues() -> None:
    (c, p) = classify([COMPLAINT, PRAISE])
    assert c.evidence["complaint"], c.evidence
    assert c.evidence["severity"]
    assert c.evidence["sentiment"]
    assert any("worst" in cue or "unacceptable" in cue for cue in c.evidence["complaint"] + c.evidence["sentiment"])
    assert c.evidence["intent"]
    assert c.evidence["language"]["detected"] == "en"
    assert p.evidence["intent"]
    assert "severity" not in p.evidence
    assert all(isinstance(x, str) for x in c.evidence["complaint"])


def test_evidence_reads_as_words_not_feature_codes() -> None:
    model = get_model()
    shown = [name for name in model.readable_names if name is not None]
    assert len(shown) > 10_000
    for name in shown:
        for code in ("@user", "xurl", "<s>", "</s>", "^", "x:", "lexdiff"):
            assert code not in name, name
        assert name != "0" and not name.endswith("$"), name
    # what was said comes before how the message was addressed
    text = "@acme @acmehelp my order 12345 never arrived and nobody answers https://t.co/abc"
    cues = classify([text])[0].evidence["complaint"]
    assert cues and cues[0] not in ("a mention", "starts with a mention", "addressed to an account", "a link")


def test_a_question_to_the_brand_s_handle_is_still_a_question() -> None:
    # most posts to a brand start with its handle; the question head must not read the handle as "not a question"
    questions = [
        "how do I reset my password?",
        "what time do you open on Sunday?",
        "can I change the delivery address on my order?",
        "is the pro plan available for teams of five?",
        "I need a copy of my last invoice please.",  # a request for help is a question too
        "I would like to change the address on my account.",
    ]
    for text in questions:
        for form in (text, "@acme " + text, "@larkspurcoffee " + text):
            assert classify([form])[0].intent is Intent.QUESTION, form


def test_intents_and_reply_needs() -> None:
    texts = [
        "How much is the pro plan? I'd like to buy it for my team",
        "You should add a dark mode to the app, it would be great",
        QUESTION,
        PRAISE,
        SPAM,
        "just had lunch",
    ]
    lead, feedback, question, praise, spam, chatter = classify(texts)
    assert lead.intent is Intent.LEAD and lead.needs_reply
    assert feedback.intent is Intent.FEEDBACK and feedback.needs_reply
    assert question.intent in (Intent.QUESTION, Intent.COMPLAINT) and question.needs_reply
    assert praise.intent is Intent.PRAISE and praise.needs_reply
    assert praise.sentiment is Sentiment.POSITIVE and praise.sentiment_score > 0
    assert spam.intent is Intent.SPAM and not spam.needs_reply and spam.priority == 0
    assert chatter.intent is Intent.CHATTER and not chatter.needs_reply
    (complaint,) = classify([COMPLAINT])
    assert complaint.priority > question.priority > praise.priority > chatter.priority
    assert complaint.sentiment is Sentiment.NEGATIVE and complaint.sentiment_score < 0


def test_social_spam_and_phishing_are_spam_not_complaints() -> None:
    spam = [
        "Your page has been reported for copyright violation. Verify your account to avoid suspension: x.example",
        "Want 10k REAL followers? Check my bio 🔥",
        "Earn $5,000 a week from home with crypto trading, DM me to learn how",
        "hey dear love your feed! DM us for a collab, we promote brands to 200k people",
    ]
    customers = [
        "@acme my account was suspended for no reason and nobody will verify it, this is a joke",
        "@acme I have 2k followers and I'll tell every one of them how bad your service is",
    ]
    for r in classify(spam):
        assert r.intent is Intent.SPAM and r.priority == 0 and not r.needs_reply
        assert r.evidence["intent"] and r.evidence["intent"] != ["spam model"]  # the cue phrase is the evidence
    for r in classify(customers):
        assert r.intent is not Intent.SPAM  # customers saying "account", "verify", "followers" are not spammers


def test_polite_complaint_with_a_question_mark() -> None:
    (r,) = classify(
        ["@AcmeAir hi, could you tell me why my flight was cancelled again and my refund still hasn't arrived?"]
    )
    assert r.complaint


def test_deterministic_and_independent_of_batch_composition() -> None:
    texts = [COMPLAINT, PRAISE, QUESTION, SPAM, *_odd_inputs()[:6]]
    first = [r.as_dict() for r in classify(texts)]
    again = [r.as_dict() for r in classify(texts)]
    assert first == again
    alone = [classify([t])[0].as_dict() for t in texts]
    assert alone == first
    reversed_batch = [r.as_dict() for r in classify(list(reversed(texts)))]
    assert list(reversed(reversed_batch)) == first


def test_fresh_model_gives_the_same_results_as_the_warm_one() -> None:
    texts = [COMPLAINT, PRAISE, "soooo goood!!! 😍", "I do NOT like this at all"]
    from goodwill.triage.classifier import classify_batch

    warm = [r.as_dict() for r in classify_batch(texts, get_model())]
    cold = [r.as_dict() for r in classify_batch(texts, TriageModel.load())]
    assert warm == cold


def test_fast_encoder_matches_the_reference_features() -> None:
    model = get_model()
    texts = [
        COMPLAINT,
        PRAISE,
        "I don't like it at ALL!!! but ok 😡 soooo baaad",
        "not bad, not good. NEVER again?! #fail @x_help https://t.co/x",
        "",
        "Привет 😀 :) <3 2 weeks",
    ]
    for t in texts:
        enc = model.encode(t)
        words, chars, toks = message_features(t, model.lexicon)
        assert sorted(enc.wids) == sorted(model.vocab_w[f] for f in words if f in model.vocab_w)
        assert enc.toks == toks
        ids = [model.vocab_c[g] for g in chars if g in model.vocab_c]
        got = model.char_block(enc.cids)
        want = model.weights_c[ids].sum(axis=0)
        assert abs(got - want).max() < 1e-3


def test_shipped_model_is_small_and_numpy_only() -> None:
    assert DEFAULT_MODEL_PATH.exists()
    assert DEFAULT_MODEL_PATH.stat().st_size < 20_000_000
    model = TriageModel.load()
    assert set(model.heads) >= {"complaint", "severity", "sentiment", "valence", "spam", "question"}
    assert model.meta["training"]  # provenance recorded in the file


def test_prioritise_combines_reach_relationship_and_wait() -> None:
    complaint, praise, spam = classify([COMPLAINT, PRAISE, SPAM])
    base, ev = prioritise(complaint, followers=None, vip=False, at_risk=False, advocate=False, waited_minutes=0)
    assert base == complaint.priority and ev["text"] == complaint.priority
    reach, ev = prioritise(complaint, followers=100_000, vip=False, at_risk=False, advocate=False, waited_minutes=0)
    assert reach > base and ev["reach"] > 0
    waited, ev = prioritise(complaint, followers=None, vip=False, at_risk=False, advocate=False, waited_minutes=240)
    assert waited > base and ev["waited"] > 0
    vip, ev = prioritise(praise, followers=None, vip=True, at_risk=True, advocate=False, waited_minutes=0)
    assert vip > praise.priority and ev["vip"] and ev["at_risk"]
    top, _ = prioritise(complaint, followers=10**9, vip=True, at_risk=True, advocate=True, waited_minutes=10**6)
    assert top == 100
    s, ev = prioritise(spam, followers=10**6, vip=True, at_risk=True, advocate=True, waited_minutes=600)
    assert s == 0 and "spam" in ev
    odd, _ = prioritise(complaint, followers=-5, vip=False, at_risk=False, advocate=False, waited_minutes=float("nan"))
    assert odd == complaint.priority


def test_priority_is_bounded_for_every_odd_input() -> None:
    for r in classify(_odd_inputs()):
        p, ev = prioritise(r, followers=10**7, vip=True, at_risk=True, advocate=True, waited_minutes=10**5)
        assert 0 <= p <= 100
        assert isinstance(ev, dict)


def test_results_are_plain_dataclasses() -> None:
    (r,) = classify([COMPLAINT])
    assert dataclasses.is_dataclass(r)


def test_token_table_reset_between_batches_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from goodwill.triage import encoding
    from goodwill.triage.classifier import classify_batch

    texts = [COMPLAINT, PRAISE, QUESTION, SPAM, "not bad, not good. NEVER again?! #fail", *_odd_inputs()[:4]]
    want = [r.as_dict() for r in classify_batch(texts, TriageModel.load())]
    model = TriageModel.load()
    monkeypatch.setattr(encoding, "CACHE_LIMIT", 8)  # forces the table to be emptied before most batches
    got = [r.as_dict() for t in texts for r in classify_batch([t, COMPLAINT], model)[:1]]
    assert got == want
    assert model.tokens.n < 8 + 200  # bounded: emptied again once past the limit
