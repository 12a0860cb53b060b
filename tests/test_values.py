"""Typed values (rag.values), answer kinds and a question's specifics: the general mechanisms
the answerer and the guard compare by, on the written forms everyday documents use."""

import pytest

from rag.answering.coverage import covered, missing
from rag.question import analyse, has_type
from rag.values import canonical, values


def kinds_and_norms(text):
    return [(v.kind, v.norm) for v in values(text)]


@pytest.mark.parametrize("text, expected", [
    ("closes at 22:00", ("time", "22:00")), ("closes at 10 pm", ("time", "22:00")),
    ("from 10.30am", ("time", "10:30")), ("Checkout is at 10.30.", ("time", "10:30")), ("at noon", ("time", "12:00")),
    ("on 2024-05-15", ("date", "2024-05-15")), ("on 15 May 2024", ("date", "2024-05-15")),
    ("on May 15th, 2024", ("date", "2024-05-15")), ("on 15/05/2024", ("date", "2024-05-15")),
    ("closed on Sun.", ("date", "sunday")), ("open on saturday", ("date", "saturday")),
    ("costs €4,500", ("money", "4500 eur")), ("costs 4500 EUR", ("money", "4500 eur")),
    ("costs 4 500 euros", ("money", "4500 eur")), ("45p per mile", ("money", "0.45 gbp")),
    ("120 dollars", ("money", "120 usd")), ("rose 4.7%", ("percentage", "4.7%")), ("12 per cent", ("percentage", "12%")),
    ("weighs 12 kg", ("quantity", "12 kilogram")), ("2.5 L bags", ("quantity", "2.5 liter")),
    ("2.5 litres", ("quantity", "2.5 liter")), ("lasts 150 minutes", ("duration", "150 minute")),
    ("within two weeks", ("duration", "2 week")), ("version v2.4.1", ("version", "2.4.1")),
    ("firmware 3.2.0", ("version", "3.2.0")), ("error E42", ("code", "e42")), ("model XR500", ("code", "xr500")),
    ("invoice INV-2291", ("code", "inv-2291")), ("flat 7C", ("code", "7c")), ("Err 21", ("code", "err 21")),
    ("call 0113 496 0588", ("phone", "01134960588")), ("mail water.quality@valewater.co.uk", ("email",
                                                                                             "water.quality@valewater.co.uk")),
    ("see support.lumennet.io/ax3000/firmware", ("url", "support.lumennet.io/ax3000/firmware")),
])
def test_values_are_found_and_normalised(text, expected):
    assert expected in kinds_and_norms(text)


def test_a_code_is_never_split_and_a_decimal_is_no_time():
    assert kinds_and_norms("XR500 and E42") == [("code", "xr500"), ("code", "e42")]
    assert ("time", "03:50") not in kinds_and_norms("it costs 3.50")
    assert kinds_and_norms("up to 60 km") == [("quantity", "60 kilometer")]  # KM is a currency sign too
    assert kinds_and_norms("the sun sat on the hill") == []  # "Sun" and "Sat" only when written as days


def test_two_wordings_of_one_value_read_the_same():
    assert canonical("closes at 10 pm") == canonical("closes at 22:00")
    assert canonical("a fee of 12,000 euros") == "a fee of 12000 eur"
    assert canonical("EUR 12000") == "12000 eur"


@pytest.mark.parametrize("question, kind, sentence, ok", [
    ("When does the parking garage close?", "time", "The parking garage closes at 22:00 on weekdays.", True),
    ("What time is checkout?", "time", "Checkout is at 10:30.", True),
    ("What time is checkout?", "time", "Checkout is in the lobby.", False),
    ("How much does the XR500 weigh?", "number", "The model XR500 weighs 12 kg.", True),
    ("What's the support email?", "email", "Write to support@breezo.com.", True),
    ("Which error code means the dock is missing?", "code", "Err 21 Dock not found", True),
    ("Where do visitors park?", "place", "Visitors park on level minus two.", True),
    ("Where is the service desk?", "place", "The service desk is in room G.07.", True),
    ("How many people does the soup serve?", "number", "Serves 4 · Prep 15 minutes", True),
    ("How many hugs did they exchange?", "number", "The two leaders exchanged rare hugs.", False),
])
def test_answer_kinds_accept_what_answers_them(question, kind, sentence, ok):
    info = analyse(question)
    assert info.answer_type == kind
    assert has_type(sentence, kind, info) is ok


def test_when_do_i_asks_for_a_step_not_a_date():
    assert analyse("When do I add the lemon juice?").answer_type == "other"
    assert analyse("When does the pool open?").answer_type == "time"


@pytest.mark.parametrize("question, text, ok", [
    ("How much does room 14 cost?", "Room 12 costs 85 euros and room 7 costs 70 euros.", False),
    ("How much does room 12 cost?", "Room 12 costs 85 euros and room 7 costs 70 euros.", True),
    ("Which Node version will Heron 3.0 need?", "Heron 2.4 release notes. Heron now requires Node 20.", False),
    ("What does E43 mean?", "Error code E42 means the filter is blocked.", False),
    ("What does E42 mean?", "Error code E42 means the filter is blocked.", True),
    ("How much is a 10 litre tub?", "2.5 L tub £18.99; 5 L tub £10.99", False),
    ("Why did the Berlin Wall fall in 1989?", "The Wall fell on November 9, 1989.", True),
    ("Is 78 degrees the boiling point?", "It boils at 78.37 degrees.", True),
])
def test_a_neighbouring_room_code_or_version_is_not_covered(question, text, ok):
    assert (not missing(analyse(question).specifics, text)) is ok


def test_a_specific_is_covered_in_any_written_form():
    [spec] = analyse("What happens at 10 pm?").specifics
    assert covered(spec, "The garage closes at 22:00.")


def test_the_letters_of_a_code_are_no_name():
    from rag.guard.support import specifics

    numbers, names = specifics("The XR500-24 and XR500-30 can be converted to LPG.")
    assert "xr" not in names and "lpg" in names
