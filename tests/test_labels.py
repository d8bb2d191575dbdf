"""flows/labels.toml covers every language the assistant accepts, for every key (no browser)."""

from __future__ import annotations

import tomllib

import pytest

from assistant import flows, paths, settings
from assistant.flows import normalise

LABELS = flows.load_labels()
KEYS = sorted(LABELS.labels)
# Every EU/EEA official language, Norwegian Bokmål and Icelandic (pt-BR wording lives in the pt lists).
EXPECTED = {"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt",
            "nl", "pl", "pt", "ro", "sk", "sl", "sv", "nb", "is"}
# Keys the code and the structure-based form filler look up by name.
USED = {"privacy_policy", "privacy_center", "about", "privacy_topics", "ai_at_meta", "info_shared", "policy_heading",
        "privacy_center_heading", "ai_topic_heading", "unavailable", "object_link", "object_phrase",
        "cookie_dialog", "decline_cookies", "login_button", "checkpoint", "gate_question", "yes", "no", "continue",
        "next_step", "send", "country_field", "email_field", "reason_field", "extra_field", "code_field",
        "confirm_code", "confirmation", "refusal", "delete_chats"}


def test_the_languages_are_every_eu_eea_language_plus_nb_and_is_each_once():
    assert set(LABELS.languages) == EXPECTED
    assert len(LABELS.languages) == len(set(LABELS.languages))


def test_the_lang_option_accepts_exactly_the_languages_of_labels_toml():
    assert list(settings.LANGUAGES) == LABELS.languages


def test_every_key_the_code_uses_is_present():
    assert USED <= set(LABELS.labels), USED - set(LABELS.labels)


@pytest.mark.parametrize("key", KEYS)
def test_every_key_has_entries_for_every_language_and_no_other(key):
    table = LABELS.labels[key]
    missing = [lang for lang in LABELS.languages if not table.get(lang)]
    unknown = [lang for lang in table if lang not in LABELS.languages]
    assert not missing, f"{key}: no entries for {missing}"
    assert not unknown, f"{key}: entries for languages not listed in `languages`: {unknown}"


@pytest.mark.parametrize("key", KEYS)
def test_no_entry_is_empty_padded_or_repeated_within_a_language(key):
    for lang, words in LABELS.labels[key].items():
        for word in words:
            assert word.strip(), f"{key}.{lang}: an empty entry"
            assert word == word.strip(), f"{key}.{lang}: {word!r} has leading or trailing white space"
            assert normalise(word), f"{key}.{lang}: {word!r} is empty once normalised"
        assert len(words) == len(set(words)), f"{key}.{lang}: a repeated entry in {words}"
        normalised = [normalise(w) for w in words]
        repeated = sorted({n for n in normalised if normalised.count(n) > 1})
        assert not repeated, f"{key}.{lang}: entries that match the same text: {repeated}"


def test_the_file_is_valid_toml_with_the_languages_listed_first():
    data = tomllib.loads((paths.flows_dir() / "labels.toml").read_text(encoding="utf-8"))
    assert data["languages"] == LABELS.languages
    for key, table in data["labels"].items():
        assert list(table)[: len(LABELS.languages)] == [lg for lg in LABELS.languages if lg in table], key


def test_words_puts_the_page_language_first_and_keeps_every_other():
    for lang in LABELS.languages:
        words = LABELS.words("send", lang)
        assert words[: len(LABELS.labels["send"][lang])] == LABELS.labels["send"][lang]
        assert len(words) == sum(len(ws) for ws in LABELS.labels["send"].values())


def test_yes_and_no_never_share_a_word_within_a_language():
    for lang in LABELS.languages:
        yes = {normalise(w) for w in LABELS.labels["yes"][lang]}
        no = {normalise(w) for w in LABELS.labels["no"][lang]}
        assert not yes & no, lang


def test_a_field_word_never_falls_inside_another_kind_of_field_s_label_words():
    """Field words are matched as parts of a control's label: a country word inside an email label (in any
    language) would take the email field for the country."""
    fields = ["country_field", "email_field", "reason_field", "extra_field", "code_field"]
    clashes = []
    for key in fields:
        for other in fields:
            if other == key:
                continue
            for word in LABELS.words(key):
                for label in LABELS.words(other):
                    if normalise(word) in normalise(label):
                        clashes.append((key, word, other, label))
    assert not clashes, clashes


def test_the_gate_question_always_names_the_ai_and_never_matches_a_generic_request_question():
    generic = ["What is your request about?", "Worum geht es bei deiner Anfrage?", "Is your request about ads?"]
    for word in LABELS.words("gate_question"):
        assert not any(normalise(word) in normalise(g) for g in generic), word


# -- the words at work: the detector reading an AI box in a new language (pure Python, facts built by hand) --------
NEW_FORM = "https://www.facebook.com/help/contact/987654321098765"
GENERIC_FORM = "https://www.facebook.com/help/contact/367438723733209"
BOXES = {  # lang -> (box text before the link, link text, text after)
    "sv": ("Så använder vi information för AI hos Meta. Vi förbättrar hela tiden AI hos Meta. Du har rätt att",
           "invända", "mot att din information används för dessa ändamål."),
    "fi": ("Miten käytämme tietoja Metan tekoälyä varten. Kehitämme jatkuvasti Metan tekoälyä. Sinulla on oikeus",
           "vastustaa", "tietojesi käyttöä näihin tarkoituksiin."),
    "el": ("Βελτιώνουμε συνεχώς την Τεχνητή Νοημοσύνη στη Meta. Έχεις το δικαίωμα", "να αντιταχθείς",
           "στη χρήση των πληροφοριών σου για αυτούς τους σκοπούς."),
    "cs": ("Jak používáme informace pro AI ve společnosti Meta. Máte právo", "vznést námitku",
           "proti používání vašich informací pro tyto účely."),
    "nb": ("Slik bruker vi informasjon til KI hos Meta. Du har rett til å", "protestere",
           "mot bruken av informasjonen din til disse formålene."),
    "ro": ("Cum folosim informațiile pentru IA de la Meta. Ai dreptul de a", "te opune",
           "utilizării informațiilor tale în aceste scopuri."),
}


def _classify(lang: str, before: str, link_text: str, after: str, href: str):
    from assistant import detect

    context = normalise(f"{before} {link_text} {after}")
    link = detect.Link(0, normalise(link_text), normalise(link_text), href, context, True)
    facts = detect.PageFacts(url="https://www.facebook.com/privacy/policy/", title="", lang=lang, links=[link],
                             headings=[], dialogs=[], passwords=0, alerts=[], text=context,
                             text_length=len(context))
    return detect.classify(facts, LABELS, flows.load_meta())


@pytest.mark.parametrize("lang", list(BOXES))
def test_an_unlisted_form_in_an_ai_box_is_found_in_the_page_s_language(lang):
    found = _classify(lang, *BOXES[lang], NEW_FORM)
    assert found.ai_link is not None and found.ai_link.href == NEW_FORM, found.why


@pytest.mark.parametrize("lang", list(BOXES))
def test_a_generic_objection_form_in_the_same_box_stays_a_lookalike(lang):
    found = _classify(lang, *BOXES[lang], GENERIC_FORM)
    assert found.ai_link is None
    assert [lk.href for lk in found.lookalikes] == [GENERIC_FORM]


@pytest.mark.parametrize("lang", list(BOXES))
def test_the_objection_words_without_the_ai_context_are_not_an_offer(lang):
    before, link_text, after = BOXES[lang]
    before = before.split(".")[-1]  # only the "you have the right to" sentence, no AI at Meta
    found = _classify(lang, before, link_text, after, NEW_FORM)
    assert found.ai_link is None, found.why
