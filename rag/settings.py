"""Settings read from the environment in one place; everything else receives a Settings.

Variables (all optional):
  RAG_DATA_DIR       where the embedded Chroma index lives (default: the user's data folder,
                     on Linux $XDG_DATA_HOME/rag or ~/.local/share/rag; see user_data_dir())
  RAG_SEEDS_DIR      documents indexed on first use (default: the project's seeds/)
  RAG_TOP_K          passages retrieved per question (default 4)
  RAG_ANSWERER       auto | extractive | llm (auto: the LLM when one is configured)
  OPENAI_API_KEY     use OpenAI for answers (model RAG_LLM_MODEL, default gpt-4o-mini)
  RAG_LLM_BASE_URL   any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1
  RAG_LLM_MODEL      model name on that server
  RAG_LLM_API_KEY    key for that server (falls back to OPENAI_API_KEY)
  RAG_LLM_TIMEOUT    seconds to wait for the LLM (default 60); RAG_LLM_RETRIES retries (default 2)
  RAG_LLM_FALLBACK   extractive (default): when the LLM fails, quote the documents and say so;
                     none: report the failure instead
  RAG_EMBEDDINGS     local | openai (default local: the bundled all-MiniLM-L6-v2)
  RAG_OPENAI_EMBED_MODEL  model for RAG_EMBEDDINGS=openai (text-embedding-3-small)
  RAG_CHROMA_URL     a Chroma server (http://host:port) instead of the embedded store
  RAG_COLLECTION     the collection (workspace) to use (default: default); see collection_name()
  RAG_UI_USERNAME, RAG_UI_PASSWORD  if both are set, the chat window asks for them
  RAG_UI_PORT        port of the chat window (`rag ui`, default 7860; `rag ui --port N` wins)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.errors import BadInput

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ANSWERERS = ("auto", "extractive", "llm")
DEFAULT_COLLECTION = "default"
DEFAULT_CHROMA_NAME = "rag_chunks"  # the default collection's Chroma name, as before collections existed
CHROMA_PREFIX = "rag_c_"  # a collection NAME of ASCII letters and digits is the Chroma collection rag_c_NAME
CHROMA_HEX_PREFIX = "rag_x_"  # any other (café, 日本語) is rag_x_ and its UTF-8 bytes in hex: Chroma takes ASCII only
COLLECTION_RULE = ("3 to 50 letters (of any alphabet), digits, '-' or '_', starting and ending with a letter or digit")
_COLLECTION_NAME = re.compile(r"[^\W_][\w-]{1,48}[^\W_]")
_ASCII_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,48}[A-Za-z0-9]")


def collection_name(name: str, what: str = "a collection name") -> str:
    """`name` if it is a valid collection name, else BadInput stating the rule. The name is kept
    as the user wrote it (NFC-normalised, so "café" typed either way is one collection)."""
    import unicodedata

    if isinstance(name, str):
        name = unicodedata.normalize("NFC", name)
    if not isinstance(name, str) or not _COLLECTION_NAME.fullmatch(name):
        raise BadInput(f"{what} must be {COLLECTION_RULE}, got {name!r}")
    return name


def chroma_name(collection: str) -> str:
    """The Chroma collection holding a collection: "default" -> rag_chunks, an ASCII NAME ->
    rag_c_NAME, any other name -> rag_x_<its UTF-8 bytes in hex>."""
    if collection == DEFAULT_COLLECTION:
        return DEFAULT_CHROMA_NAME
    name = collection_name(collection)
    return CHROMA_PREFIX + name if _ASCII_NAME.fullmatch(name) else CHROMA_HEX_PREFIX + name.encode("utf-8").hex()


def collection_of(chroma: str) -> str | None:
    """The collection a Chroma collection holds (the inverse of chroma_name), None for anything else."""
    if chroma == DEFAULT_CHROMA_NAME:
        return DEFAULT_COLLECTION
    if chroma.startswith(CHROMA_HEX_PREFIX):
        try:
            name = bytes.fromhex(chroma[len(CHROMA_HEX_PREFIX):]).decode("utf-8")
        except ValueError:
            return None
        ok = not _ASCII_NAME.fullmatch(name)  # an ASCII name is only ever written rag_c_NAME
    else:
        name = chroma[len(CHROMA_PREFIX):] if chroma.startswith(CHROMA_PREFIX) else ""
        ok = bool(_ASCII_NAME.fullmatch(name))
    return name if ok and _COLLECTION_NAME.fullmatch(name) and name != DEFAULT_COLLECTION else None


def user_data_dir(env: dict | None = None, platform: str | None = None) -> Path:
    """The per-user folder for the index, the same from every working folder: on Linux
    $XDG_DATA_HOME/rag (when set and absolute) or ~/.local/share/rag; on macOS
    ~/Library/Application Support/rag; on Windows %LOCALAPPDATA%\\rag."""
    import sys

    env = os.environ if env is None else env
    platform = platform or sys.platform
    home = Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Application Support" / "rag"
    if platform == "win32":
        base = env.get("LOCALAPPDATA") or env.get("APPDATA")
        return Path(base) / "rag" if base else home / "AppData" / "Local" / "rag"
    xdg = env.get("XDG_DATA_HOME", "").strip()
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share") / "rag"


def _int(env: dict, name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise BadInput(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _flag(env: dict, name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise BadInput(f"{name} must be 1 or 0 (on or off), got {raw!r}")
    return raw in ("1", "true", "yes", "on")


def _url(raw: str) -> str | None:
    from urllib.parse import urlparse

    raw = raw.strip()
    if not raw:
        return None
    parts = urlparse(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"RAG_CHROMA_URL must look like http://host:port, got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=user_data_dir)
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    top_k: int = 4
    answerer: str = "auto"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    embeddings: str = "local"
    openai_embed_model: str = "text-embedding-3-small"
    collection: str = DEFAULT_COLLECTION  # the user's name; chroma_collection is Chroma's
    chunk_size: int = 200  # tokens
    chunk_overlap: int = 40
    llm_timeout: float = 60.0
    llm_retries: int = 2
    llm_fallback: str = "extractive"
    llm_opinion: bool = False  # the model's second opinion on each answer sentence (rag.guard.verify; docs/guard.md)
    chroma_url: str | None = None
    ui_username: str | None = None
    ui_password: str | None = field(default=None, repr=False)
    ui_port: int = 7860
    allow_private_links: bool = False  # a window served to others may fetch loopback/private addresses

    def __post_init__(self) -> None:
        collection_name(self.collection)

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        answerer = env.get("RAG_ANSWERER", "auto").strip().lower() or "auto"
        if answerer not in ANSWERERS:
            raise BadInput(f"RAG_ANSWERER must be one of {', '.join(ANSWERERS)}, got {answerer!r}")
        embeddings = env.get("RAG_EMBEDDINGS", "local").strip().lower() or "local"
        if embeddings not in ("local", "openai"):
            raise BadInput(f"RAG_EMBEDDINGS must be local or openai, got {embeddings!r}")
        base_url = env.get("RAG_LLM_BASE_URL", "").strip() or None
        fallback = env.get("RAG_LLM_FALLBACK", "extractive").strip().lower() or "extractive"
        if fallback not in ("extractive", "none"):
            raise BadInput(f"RAG_LLM_FALLBACK must be extractive or none, got {fallback!r}")
        openai_key = env.get("OPENAI_API_KEY", "").strip() or None
        return cls(
            data_dir=Path(env.get("RAG_DATA_DIR", "").strip() or user_data_dir(env)).expanduser(),
            seeds_dir=Path(env.get("RAG_SEEDS_DIR", "").strip() or PROJECT_ROOT / "seeds"),
            top_k=_int(env, "RAG_TOP_K", 4, 1, 50),
            answerer=answerer,
            llm_base_url=base_url,
            llm_model=env.get("RAG_LLM_MODEL", "").strip() or None,
            llm_api_key=env.get("RAG_LLM_API_KEY", "").strip() or openai_key,
            embeddings=embeddings,
            openai_embed_model=env.get("RAG_OPENAI_EMBED_MODEL", "").strip() or "text-embedding-3-small",
            llm_timeout=float(_int(env, "RAG_LLM_TIMEOUT", 60, 1, 3600)),
            llm_retries=_int(env, "RAG_LLM_RETRIES", 2, 0, 10),
            llm_fallback=fallback,
            llm_opinion=_flag(env, "RAG_LLM_OPINION", False),
            chroma_url=_url(env.get("RAG_CHROMA_URL", "")),
            ui_username=env.get("RAG_UI_USERNAME", "").strip() or None,
            ui_password=env.get("RAG_UI_PASSWORD", "") or None,
            ui_port=_int(env, "RAG_UI_PORT", 7860, 1, 65535),
            allow_private_links=env.get("RAG_ALLOW_PRIVATE_LINKS", "").strip().lower() in ("1", "true", "yes"),
            collection=collection_name(env.get("RAG_COLLECTION", "").strip() or DEFAULT_COLLECTION, "RAG_COLLECTION"),
        )

    @property
    def chroma_collection(self) -> str:
        """The Chroma collection of `collection`: rag_chunks for "default", rag_c_NAME otherwise."""
        return chroma_name(self.collection)

    @property
    def uploads_dir(self) -> Path:
        """Where the chat window keeps the files uploaded to the collection: DATA_DIR/uploads for
        "default", DATA_DIR/uploads/NAME for another."""
        root = Path(self.data_dir) / "uploads"
        return root if self.collection == DEFAULT_COLLECTION else root / self.collection

    @property
    def index_location(self) -> str:
        """Where the index is, as messages name it: the Chroma server, or the data folder (absolute)."""
        if self.chroma_url:
            return f"the Chroma server at {self.chroma_url}"
        return os.path.abspath(self.data_dir)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)

    @property
    def use_llm(self) -> bool:
        return self.answerer == "llm" or (self.answerer == "auto" and self.llm_configured)

    def wants_llm(self, choice: str | None = None) -> bool:
        """Does `choice` (default: RAG_ANSWERER) mean the LLM answerer? BackendUnavailable when it
        asks for an LLM that is not configured."""
        choice = choice or self.answerer
        if choice == "llm" and not self.llm_configured:
            from rag.errors import BackendUnavailable

            raise BackendUnavailable("the llm answerer (RAG_ANSWERER=llm or --answerer llm) needs OPENAI_API_KEY or RAG_LLM_BASE_URL")
        return choice == "llm" or (choice == "auto" and self.llm_configured)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)
