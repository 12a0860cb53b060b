from rag.answering.followup import condense_offline, needs_context


def test_personal_pronoun_takes_the_previous_name():
    history = [("Who is Sergey Lavrov?", "Russian Foreign Minister Sergey Lavrov has described ...")]
    assert condense_offline("What did he call the relationship?", history) == \
        "What did Sergey Lavrov call the relationship?"
    assert condense_offline("What is his job?", history) == "What is Sergey Lavrov’s job?"


def test_other_references_add_the_previous_topic():
    history = [("What did Putin and Xi sign?", "They signed a joint statement [1].")]
    assert condense_offline("Why did they do that?", history) == \
        "Why did they do that (about: Putin and Xi sign)?"


def test_standalone_questions_pass_through():
    history = [("Who is Sergey Lavrov?", "...")]
    q = "What is the One Belt, One Road initiative about?"
    assert not needs_context(q)
    assert condense_offline(q, history) == q
    assert condense_offline("What did he say?", []) == "What did he say?"
