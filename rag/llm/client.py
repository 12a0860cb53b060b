"""The LLM answerer: OpenAI or any OpenAI-compatible server, through llama-index's OpenAILike.

OpenAILike (a thin layer over the `openai` client, with its timeouts and
retries) serves OpenAI itself and Ollama, vLLM, llama.cpp server or LM Studio
alike; this module adds the prompts (rag/prompts/), the numbered and fenced
sources, refusal detection and one-line errors.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from functools import lru_cache
from html import escape
from importlib.resources import files
from typing import Iterator

from rag.answer import Draft, Passage, is_refusal
from rag.errors import BackendUnavailable
from rag.settings import Settings

OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    return files("rag.llm.prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8")


def format_sources(passages: list[Passage]) -> str:
    return "\n".join(
        f'<source id="{p.number}" file="{escape(p.source)}" heading="{escape(p.context)}">'
        f"{escape(p.text, quote=False)}</source>"
        for p in passages
    )


class LLMAnswerer:
    name = "llm"

    def __init__(self, settings: Settings) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self.base_url = settings.llm_base_url or OPENAI_URL
        self.model = settings.llm_model or DEFAULT_OPENAI_MODEL
        self.label = f"{self.model} at {self.base_url}"
        self.timeout = settings.llm_timeout
        self.retries = settings.llm_retries
        self.second_opinion = settings.llm_opinion  # rag.answering.engine asks `opinion` when True
        # Retries are ours (_with_retries): OpenAILike's max_retries applies twice over (its
        # own decorator and the openai client's), multiplying attempts and waits.
        self.client = OpenAILike(  # public: the evaluation's LLM judge and baseline reuse this client
            model=self.model, api_base=self.base_url, api_key=settings.llm_api_key or "not-needed",
            is_chat_model=True, temperature=0.0, max_tokens=400, timeout=settings.llm_timeout,
            max_retries=0, context_window=8192,
        )

    @contextmanager
    def _errors(self):
        """Turn the client's exceptions into one-line BackendUnavailable messages (no key in them)."""
        import openai

        try:
            yield
        except openai.AuthenticationError:
            raise BackendUnavailable(f"the LLM server at {self.base_url} rejected the API key") from None
        except openai.NotFoundError:
            raise BackendUnavailable(f"model {self.model!r} not found at {self.base_url}") from None
        except openai.APITimeoutError:
            raise BackendUnavailable(f"the LLM server at {self.base_url} did not answer in {self.timeout:.0f} s") from None
        except openai.APIConnectionError:
            raise BackendUnavailable(f"cannot reach the LLM server at {self.base_url}") from None
        except openai.APIStatusError as exc:
            raise BackendUnavailable(f"the LLM server at {self.base_url} answered HTTP {exc.status_code}") from None
        except (openai.OpenAIError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # malformed replies surface as decoding or attribute errors inside the client
            raise BackendUnavailable(f"unusable reply from the LLM server at {self.base_url} ({type(exc).__name__})") from None

    def _with_retries(self, call):
        """Call, retrying 429s, 5xx, timeouts and dropped connections with exponential backoff
        (0.5 s, 1 s, 2 s ... at most 8 s, or the server's Retry-After when it is shorter than 30 s)."""
        import openai

        retryable = (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError,
                     openai.APIConnectionError)
        for attempt in range(self.retries + 1):
            try:
                return call()
            except retryable as exc:
                if attempt == self.retries:
                    raise
                wait = min(0.5 * 2 ** attempt, 8.0)
                response = getattr(exc, "response", None)
                after = response.headers.get("retry-after") if response is not None else None
                if after and after.replace(".", "", 1).isdigit() and float(after) < 30:
                    wait = float(after)
                time.sleep(wait)

    def _messages(self, system: str, user: str):
        from llama_index.core.llms import ChatMessage

        return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]

    def chat(self, system: str, user: str) -> str:
        """One reply, with this answerer's timeouts, retries and one-line errors."""
        with self._errors():
            reply = self._with_retries(lambda: self.client.chat(self._messages(system, user)))
            return (reply.message.content or "").strip()

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        """Yield the reply's text deltas as the server sends them."""
        user = prompt("answer_user").format(sources=format_sources(passages), question=question)
        messages = self._messages(prompt("answer_system"), user)

        def start():  # the request is sent on the first next(): retry up to there
            chunks = self.client.stream_chat(messages)
            return chunks, next(chunks, None)

        with self._errors():
            chunks, first = self._with_retries(start)
            if first is not None and first.delta:
                yield first.delta
            for chunk in chunks:
                if chunk.delta:
                    yield chunk.delta

    def draft(self, question: str, passages: list[Passage]) -> Draft:
        user = prompt("answer_user").format(sources=format_sources(passages), question=question)
        text = self.chat(prompt("answer_system"), user)
        if not text or is_refusal(text):
            return Draft(text or "The documents don't say.", refused=True, reason="the model found no answer")
        return Draft(text)

    def opinion(self, claim: str, sources: list[str], question: str | None = None) -> float | None:
        """The model's second opinion on a claim: P(yes) that the sources state it, read from the
        log-probabilities of a one-token reply to a short entailment prompt (rag.guard.verify says
        how it is used). None when the server gives no log-probabilities or fails: then the
        lexical checker's verdict stands."""
        import math

        from llama_index.core.llms import ChatMessage

        asked = f"Question: {question}\n" if question else ""
        user = prompt("support_user").format(sources="\n\n".join(sources), question=asked, claim=claim).rstrip("\n")
        messages = [ChatMessage(role="system", content=prompt("support_system").strip()),
                    ChatMessage(role="user", content=user)]
        try:
            with self._errors():
                reply = self._with_retries(lambda: self.client.chat(messages, max_tokens=1, logprobs=True,
                                                                    top_logprobs=10))
        except BackendUnavailable:
            return None
        first = (reply.logprobs or [[]])[0]
        said = {"yes": 0.0, "no": 0.0}
        for token in first:
            word = (token.token or "").strip().lower()
            if word in said:
                said[word] += math.exp(token.logprob)
        total = said["yes"] + said["no"]
        return said["yes"] / total if total else None

    def condense(self, question: str, history: list[tuple[str, str]]) -> str:
        lines = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-4:])
        text = self.chat("You rewrite follow-up questions.",
                          prompt("condense").format(history=lines, question=question))
        text = text.strip().strip('"').splitlines()[0].strip() if text.strip() else ""
        return text or question
