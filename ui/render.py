"""HTML for the chat window: answers with citation chips, the evidence panel, the mode banner.

Pure functions of an Answer (no Gradio here), so they are unit-tested directly.
Chips carry their answer and source number in a class, "cite-t<turn>-n<n>"
(the chat's HTML sanitizer keeps classes but drops data- attributes); a small script in ui/app.py turns a click into
"show passage n of answer t" in the evidence panel.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from pathlib import Path

from rag.answer import Answer
from rag.text import content_terms, sentence_spans, split_claims

from .pages import page_view


# Characters that Markdown (which the Chatbot renders) or HTML would act on, written as numeric
# entities so that they show as themselves: no message may draw an image, a link or markup, since
# an answer is the model's text and a document can tell the model what to write
# (`![x](http://elsewhere/?q=...)` would make the browser send the conversation away).
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "!()[]*_`~|#:\\$"})


def inert(text: str) -> str:
    """`text` as HTML that shows it literally: escaped, and inert to Markdown (no image, link,
    emphasis, heading, code or formula)."""
    return escape(text, quote=False).translate(_INERT)  # (quote=True would write &#x27;, whose # the table takes)


def answer_html(answer: Answer, turn: int) -> str:
    """The chat bubble: text with [n] as clickable chips (with the page for a PDF source);
    refusals styled apart. Its class "rag-turn-<turn>" names the answer, for a rating given to
    the bubble (answer_turn())."""
    if answer.refused:
        return f'<div class="rag-refusal rag-turn-{turn}"><b>Not in the documents.</b> {inert(answer.text)}</div>'
    pages = {c.number: c.page for c in answer.citations if c.page is not None}

    def chip(n: str) -> str:
        page = pages.get(int(n))
        label = f'{n}<span class="chip-page"> · p.{page}</span>' if page is not None else n
        where = f", page {page}" if page is not None else ""
        return f'<button class="cite-chip cite-t{turn}-n{n}" title="show source {n}{where}">{label}</button>'

    parts = re.split(r"\s?\[(\d{1,3})\]", answer.text)  # text, number, text, number, ...
    body = "".join(inert(part) if i % 2 == 0 else " " + chip(part) for i, part in enumerate(parts))
    extra = f'<div class="rag-note">{inert(answer.notice)}</div>' if "instead" in answer.notice else ""
    if answer.unsupported:
        extra += f'<div class="rag-note">{len(answer.unsupported)} unsupported sentence(s) removed — see the evidence panel</div>'
    return f'<div class="rag-answer rag-turn-{turn}">{body}</div>{extra}'


def answer_turn(message) -> int | None:
    """Which answer of the window a chat message is (the `turn` answer_html() drew it with), or
    None for anything else (a question, an error, an answer still streaming). `message` is a
    message's content as the Chatbot hands it over: a string, or a list or dict holding one."""
    m = re.search(r"\brag-turn-(\d+)\b", str(message))
    return int(m.group(1)) if m else None


def error_html(message: str) -> str:
    return f'<div class="rag-error"><b>⚠ Error:</b> {inert(message)}</div>'


def banner_markdown(settings, answerer_label: str | None = None) -> str:
    if settings.use_llm:
        label = answerer_label or f"{settings.llm_model or 'gpt-4o-mini'} at {settings.llm_base_url or 'OpenAI'}"
        return f"**Mode: LLM answers** ({escape(label)}), every sentence checked against its cited passage."
    return ("**Mode: offline extractive** — answers are sentences quoted from your documents, each with its source. "
            "For generated answers set `OPENAI_API_KEY`, or `RAG_LLM_BASE_URL` + `RAG_LLM_MODEL` for an "
            "OpenAI-compatible server (Ollama, vLLM, llama.cpp), and restart.")


def _support_spans(passage_text: str, claims: list[str]) -> list[tuple[int, int]]:
    """Sentences of the passage that the answer's claims rest on (verbatim, else most overlap)."""
    spans = sentence_spans(passage_text)
    out = []
    for claim in claims:
        at = passage_text.find(claim)
        if at >= 0:
            out.append((at, at + len(claim)))
            continue
        terms = set(content_terms(claim))
        best = max(spans, key=lambda s: len(terms & set(content_terms(passage_text[s[0]:s[1]]))), default=None)
        if best:
            out.append(best)
    return sorted(set(out))


def _marked(text: str, spans: list[tuple[int, int]], cls: str) -> str:
    parts, pos = [], 0
    for s, e in spans:
        if s < pos:
            continue
        parts += [escape(text[pos:s]), f'<mark class="{cls}">', escape(text[s:e]), "</mark>"]
        pos = e
    parts.append(escape(text[pos:]))
    return "".join(parts)


@lru_cache(maxsize=32)
def _document(path: str, mtime: float) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def document_text(path: str) -> str | None:
    try:
        return _document(path, Path(path).stat().st_mtime)
    except OSError:
        return None


def scope_html(answer: Answer, collection: str | None = None, documents: int | None = None) -> str:
    """Which documents the answer searched: the chosen ones by name, or all of the collection's
    (`documents`: how many it held then)."""
    if answer.searched:
        names = ", ".join(f'<span title="{escape(p)}">{escape(Path(p).name)}</span>' for p in answer.searched)
        what = f"searched: {names}"
    elif documents is not None:
        what = f"searched: all {documents} document{'' if documents == 1 else 's'}"
    else:
        what = "searched: all documents"
    if collection and collection != "default":
        what += f" in collection {escape(collection)}"
    return f'<div class="rag-note ev-scope">{what}</div>'


def origin_html(c) -> str:
    """Where a citation's text came from beyond its file: a scan read by OCR; a web page's outlet,
    author, date and address (shown as text, never fetched by the window)."""
    o = dict(c.origin)
    parts = ["read by OCR"] if c.ocr else []
    parts += [escape(str(o[k])) for k in ("outlet", "author") if o.get(k)]
    if o.get("published"):
        parts.append(f"published {escape(str(o['published']))}")
    if o.get("url"):
        parts.append(f'<span class="ev-url">{escape(str(o["url"]))}</span>')
    return "".join(f" · {p}" for p in parts)


def evidence_html(answer: Answer | None, turn: int, active: int | None = None,
                  show_scores: bool = False, show_removed: bool = True,
                  collection: str | None = None, documents: int | None = None) -> str:
    """The evidence panel for one answer; `collection` and `documents` (how many it held) say
    where the answer searched when it searched every document."""
    if answer is None:
        return '<div class="rag-evidence empty">Ask a question: the passages an answer cites appear here.</div>'
    claims_by_n: dict[int, list[str]] = {}
    for sentence, numbers in split_claims(answer.text) if not answer.refused else []:
        for n in numbers:
            claims_by_n.setdefault(n, []).append(sentence.rstrip())
    head = f'<div class="rag-q">Answer {turn + 1}: “{escape(answer.question)}”</div>' + scope_html(answer, collection, documents)
    cards = []
    support = {}
    for c in answer.citations:
        spans = support[c.number] = _support_spans(c.text, claims_by_n.get(c.number, []))
        cls = "ev-card active" if c.number == active else "ev-card"
        cards.append(
            f'<div class="{cls}" id="ev-{turn}-{c.number}"><div class="ev-head"><span class="cite-chip static">{c.number}</span> '
            f'{escape(c.source)}' + (f' · page {c.page}' if c.page is not None else "") + f' · chars {c.start}–{c.end}'
            + (f' · <i>{escape(c.heading)}</i>' if c.heading else "") + origin_html(c)
            + f'</div><div class="ev-text">{_marked(c.text, spans, "support")}</div></div>')
    if answer.refused:
        cards.append('<div class="ev-card refusal">No passage answers this question, so nothing is cited. '
                     'The closest passages are listed under retrieval scores.</div>')
    removed = ""
    if show_removed and answer.unsupported:
        items = "".join(f"<li>{escape(s)}</li>" for s in answer.unsupported)
        removed = f'<div class="ev-removed"><b>Removed by the citation guard</b> (not supported by the cited passages):<ul>{items}</ul></div>'
    scores = ""
    if show_scores and answer.passages:
        rows = "".join(f"<tr><td>[{p.number}]</td><td>{p.score:.4f}</td><td>{escape(p.source)}</td>"
                       f"<td>{escape(p.heading)}</td></tr>" for p in answer.passages)
        timings = ", ".join(f"{k} {v:.0f} ms" for k, v in answer.timings_ms.items())
        scores = (f'<div class="ev-scores"><b>Retrieved passages</b> (reciprocal-rank fused score)<table>{rows}</table>'
                  f"<div class=rag-note>{escape(timings)}</div></div>")
    context = ""
    target = next((c for c in answer.citations if c.number == active), answer.citations[0] if answer.citations else None)
    if target is not None:
        doc = document_text(target.path) if target.path else None
        if doc is not None and doc[target.start:target.end] == target.text:
            spans = [(target.start + s, target.start + e) for s, e in support.get(target.number, [])]
            # a PDF: the page itself, the cited sentence marked on it; else the passage in its document
            context = page_view(target, doc, spans) or (
                f'<div class="ev-context-title">[{target.number}] in its document, {escape(target.source)}</div>'
                f'<div class="ev-context">{escape(doc[:target.start])}<mark class="passage in-context">'
                f'{escape(doc[target.start:target.end])}</mark>{escape(doc[target.end:])}</div>')
    return f'<div class="rag-evidence">{head}{"".join(cards)}{removed}{scores}{context}</div>'


def stored_messages(turns) -> list[dict]:
    """Saved turns [(question, Answer)] as the chatbot's messages: each question escaped, each
    answer drawn as the window draws a finished one (chips numbered by turn)."""
    messages = []
    for turn, (question, answer) in enumerate(turns):
        messages += [{"role": "user", "content": inert(question)},
                     {"role": "assistant", "content": answer_html(answer, turn)}]
    return messages


def chat_choices(summaries) -> list[tuple[str, str]]:
    """The saved chats (ChatSummary, newest first) as (label, id) pairs for the Chats list:
    the first question, when it was last used, how many turns."""
    import time

    return [(f"{s.title or '(untitled)'} · {time.strftime('%Y-%m-%d %H:%M', time.localtime(s.updated))} · "
             f"{s.turns} turn{'' if s.turns == 1 else 's'}", s.id) for s in summaries]
