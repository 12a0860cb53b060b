"""The MiniLM cross-encoder (rag.crossencoder): its artefact, its NumPy forward pass, its evidence."""

import numpy as np
import pytest

from rag.crossencoder import EVIDENCE_SENTENCES, PairModel, evidence

PAIRS = [("Putin and Xi met in Beijing.", "Putin and Xi met in Beijing on Friday. They signed a joint statement."),
         ("What did they sign? A joint statement.", "Putin and Xi met in Beijing on Friday. They signed a joint statement."),
         ("Putin and Xi met in Moscow.", "Putin and Xi met in Beijing on Friday. They signed a joint statement.")]


@pytest.fixture(scope="module")
def model():
    return PairModel()


def test_artefact_says_what_it_was_trained_on(model):
    meta = model.meta
    assert meta["trained_on"]["script"] == "python -m eval.train_pairs" and len(meta["trained_on"]["sha256"]) == 64
    assert meta["adapted"] and all(name.startswith("encoder.layer.") for name in meta["adapted"])
    assert set(meta["trained_on"]["rows"]) >= {"halueval_summarization", "synthetic"}


def test_long_evidence_is_the_sentences_closest_to_the_claim(fake_embedder):
    filler = [f"The committee discussed item number {i} of the agenda at length." for i in range(30)]
    passage = " ".join(filler[:12] + ["The bridge opened to traffic in 1932."] + filler[12:])
    ev = evidence(["When did the bridge open to traffic?"], [passage], fake_embedder)
    assert "The bridge opened to traffic in 1932." in ev
    assert len(ev.split(". ")) <= EVIDENCE_SENTENCES
    short = "The bridge opened in 1932. It is long."
    assert evidence(["When did it open?"], [short], fake_embedder) == short  # short evidence is read whole


@pytest.mark.integration
def test_numpy_forward_matches_the_torch_model_it_was_trained_as(model):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from eval.train_pairs import build

    meta = model.meta
    net = build(layers=6, rank=meta["lora_rank"], scale=meta["lora_scale"])
    arrays = np.load(model.path)
    state = net.state_dict()
    for name in meta["adapted"]:
        for part in "AB":
            state[f"bert.{name}.{part}"] = torch.tensor(arrays[f"{name}.{part}"].astype(np.float32))
    state["head.weight"] = torch.tensor(arrays["head.weight"]).reshape(1, -1)
    state["head.bias"] = torch.tensor(arrays["head.bias"]).reshape(1)
    net.load_state_dict(state)
    net.eval()
    encs = model.tokenizer.encode_batch(PAIRS)
    with torch.no_grad():
        expected = [torch.sigmoid(net(torch.tensor([e.ids]), torch.tensor([e.type_ids]),
                                      torch.ones(1, len(e.ids), dtype=torch.long))).item() for e in encs]
    assert np.allclose(model.scores(PAIRS), expected, atol=1e-3)


@pytest.mark.integration
def test_a_changed_place_scores_below_the_sentence_it_came_from(model):
    supported, _, changed = model.scores(PAIRS)
    assert 0 <= changed < supported <= 1
