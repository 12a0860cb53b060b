from rag.question import analyse, has_type
from rag.text import content_terms, sentences


def test_sentences_respect_abbreviations_quotes_and_lists():
    text = ("Challenging the U.S.-led order is hard. Dr. Smith met J. Doe in the U.S. Army. "
            "He called it a “duet.” Then he left!\n\n- first item\n- second item")
    assert sentences(text) == [
        "Challenging the U.S.-led order is hard.",
        "Dr. Smith met J. Doe in the U.S. Army.",
        "He called it a “duet.”",
        "Then he left!",
        "- first item",
        "- second item",
    ]


def test_content_terms_stem_and_drop_stopwords():
    assert content_terms("What are the sanctions on Russia?") == ["sanction", "russia"]


def test_answer_types():
    assert analyse("How many hugs did they exchange?").answer_type == "number"
    assert analyse("When did they meet?").answer_type == "date"
    assert analyse("Who described the ties as a duet?").answer_type == "person"
    assert analyse("Which city hosted the summit?").answer_type == "place"
    assert analyse("Why does Russia need China?").answer_type == "other"
    # a measure asked for is a figure
    assert analyse("What is the acceptance rate at the school?").answer_type == "number"
    assert analyse("What is the cruising speed of the ship?").answer_type == "number"
    assert analyse("Why did the rate rise?").answer_type == "other"
    assert analyse("What Python code pulls the mortgage rate feed?").answer_type == "other"


def test_how_many_needs_a_count_of_the_counted_thing():
    q = analyse("How many hugs did they exchange?")
    assert not has_type("The two leaders exchanged rare hugs.", "number", q)
    assert has_type("They exchanged three hugs.", "number", q)
    who = analyse("Who took the photo?")
    assert not has_type("This gesture was captured on camera.", "person", who)
    assert has_type("The photo was taken by Anna Petrova.", "person", who)


def test_counted_noun_may_carry_a_modifier():
    q = analyse("How many dengue cases were counted?")
    assert has_type("There have been more than 460,000 cases of the disease.", "number", q)
    assert not has_type("Dengue cases rose sharply this year.", "number", q)


def test_date_words_capitalised_months_and_ago():
    q = analyse("When is the hearing?")
    assert has_type("Silva has a hearing scheduled for May on the allegations.", "date", q)
    assert not has_type("May the best team win.", "date", q)  # a verb opening the sentence
    assert not has_type("He may appeal the ruling.", "date", q)
    assert has_type("She was diagnosed 10 years ago.", "date", analyse("How long ago was she diagnosed?"))
