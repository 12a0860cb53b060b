"""The LLM answerer: OpenAI or any OpenAI-compatible server, through llama-index's OpenAILike.

OpenAILike (a thin layer over the `openai` client, with its timeouts and
retries) serves OpenAI itself and Ollama, vLLM, llama.cpp server or LM Studio
alike; this module adds the prompts (rag/prompts/), the numbered and fenced
sources, refusal detection and one-line errors.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from importlib.resources import files

from .answer import Passage
from .errors import BackendUnavailable
from .extractive import Draft
from .settings import Settings

OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
REFUSAL_RE = re.compile(r"^\W*(i don'?t know|i do not know|the (documents|sources) (don'?t|do not) say|"
                        r"(the )?(documents|sources) do not (contain|mention))", re.IGNORECASE)


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    return files("rag.prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8")


def format_sources(passages: list[Passage]) -> str:
    return "\n".join(
        f'<source id="{p.number}" file="{escape(p.source)}" heading="{escape(p.heading)}">'
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
        self._llm = OpenAILike(
            model=self.model, api_base=self.base_url, api_key=settings.llm_api_key or "not-needed",
            is_chat_model=True, temperature=0.0, max_tokens=400, timeout=settings.llm_timeout,
            max_retries=2, context_window=8192,
        )

    def _chat(self, system: str, user: str) -> str:
        import openai
        from llama_index.core.llms import ChatMessage

        try:
            reply = self._llm.chat([ChatMessage(role="system", content=system),
                                    ChatMessage(role="user", content=user)])
        except openai.AuthenticationError:
            raise BackendUnavailable(f"the LLM server at {self.base_url} rejected the API key") from None
        except openai.NotFoundError:
            raise BackendUnavailable(f"model {self.model!r} not found at {self.base_url}") from None
        except openai.APIConnectionError:
            raise BackendUnavailable(f"cannot reach the LLM server at {self.base_url}") from None
        except openai.APIStatusError as exc:
            raise BackendUnavailable(f"the LLM server at {self.base_url} answered HTTP {exc.status_code}") from None
        except openai.OpenAIError as exc:
            raise BackendUnavailable(f"LLM request failed: {type(exc).__name__}") from None
        return (reply.message.content or "").strip()

    def draft(self, question: str, passages: list[Passage]) -> Draft:
        user = prompt("answer_user").format(sources=format_sources(passages), question=question)
        text = self._chat(prompt("answer_system"), user)
        if not text or REFUSAL_RE.match(text):
            return Draft(text or "The documents don't say.", refused=True, reason="the model found no answer")
        return Draft(text)

    def condense(self, question: str, history: list[tuple[str, str]]) -> str:
        lines = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-4:])
        text = self._chat("You rewrite follow-up questions.",
                          prompt("condense").format(history=lines, question=question))
        text = text.strip().strip('"').splitlines()[0].strip() if text.strip() else ""
        return text or question
