"""Web pages by link (`rag ingest URL`, the window's "Add a link", `rag sync --links`): the page
fetched, its main text kept (trafilatura, made for news pages: menus, adverts and footers left
out), and its title, outlet, author and publication date kept as the document's metadata, which
its citations and the evidence panel show.

A link is a request the server makes on the user's behalf. When the window is served to others,
links to loopback, private, link-local and other non-public addresses are refused (unless the
RAG_ALLOW_PRIVATE_LINKS setting allows them): the host is resolved once, every address it has is
checked, and the connection goes to the address checked (a name that resolves again to another
address later cannot slip through); redirects are followed by hand, each one checked the same
way. Only http and https, on a URL that Python's parser and the request agree on (no user part,
no backslash, no control characters), are fetched.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from rag.errors import BadInput
from rag.text import one_line

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
MIN_WORDS = 12  # fewer words of main text than this: an index page, a login wall, a script-only page
TIMEOUT = 20.0
USER_AGENT = "rag-grounded/0.1 (+https://pypi.org/project/rag-grounded/)"


def is_link(text: str) -> bool:
    return bool(re.match(r"(?i)https?://", str(text)))


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # with its query
    address: str  # the checked address to connect to


def _checked(url: str, allow_private: bool) -> Target:
    """The URL parsed and its host resolved; BadInput for anything but a public http(s) address
    (or any address, with allow_private)."""
    if any(c in url for c in "\\\r\n\t ") or any(ord(c) < 32 for c in url):
        raise BadInput(f"{url!r} is not a link that can be fetched (odd characters)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadInput(f"{url}: only http:// and https:// links can be added")
    if parts.username is not None or parts.password is not None:
        raise BadInput(f"{url}: a link with a user name or password is not fetched")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise BadInput(f"{url}: its port is not a number") from None
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise BadInput(f"{url}: no such host {host}") from None
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        for a in addresses:
            ip = ipaddress.ip_address(a.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise BadInput(f"{url}: {host} is a private, loopback or link-local address ({ip}), which the "
                               f"window does not fetch when it is served to others (RAG_ALLOW_PRIVATE_LINKS=1 allows it)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url, parts.scheme.lower(), host, port, path, addresses[0])


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to the address that was checked, whatever the name resolves to now."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = PAGE_TYPES + ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")


def fetch(url: str, *, allow_private: bool = True, timeout: float = TIMEOUT,
          kinds: tuple[str, ...] = PAGE_TYPES) -> tuple[str, bytes]:
    """(the final URL, the page's bytes), redirects followed by hand and each checked; BadInput
    for a link that does not answer, answers with an error, is not a web page, or is too large."""
    for _ in range(MAX_REDIRECTS + 1):
        target = _checked(url, allow_private)
        conn = (_PinnedTLS if target.scheme == "https" else _Pinned)(target, timeout)
        try:
            conn.request("GET", target.path, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
            resp = conn.getresponse()
            if resp.status in (301, 302, 303, 307, 308) and resp.getheader("Location"):
                url = urljoin(url, resp.getheader("Location"))
                continue
            if resp.status != 200:
                raise BadInput(f"{url} answered {resp.status} {resp.reason}")
            kind = (resp.getheader("Content-Type") or "text/html").split(";")[0].strip().lower()
            if kind not in kinds:
                raise BadInput(f"{url} is not a web page ({kind})")
            body = resp.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise BadInput(f"{url} is larger than {MAX_BYTES // 2**20} MiB")
            return url, body
        except (OSError, http.client.HTTPException) as exc:
            raise BadInput(f"{url} does not answer ({type(exc).__name__}: {exc})") from None
        finally:
            conn.close()
    raise BadInput(f"{url}: more than {MAX_REDIRECTS} redirects")


def page_document(url: str, body: bytes, folder: Path):
    """The page's main text as a document saved in `folder` (its identity in the index), with
    its metadata; BadInput when the page has no main text."""
    import trafilatura

    from rag.ingestion.documents import SourceDoc

    found = trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False,
                                        include_tables=True, favor_precision=True)
    text = (getattr(found, "text", None) or "").strip() if found is not None else ""
    if len(text.split()) < MIN_WORDS:  # a menu word or two is no main text
        raise BadInput(f"{url} has no main text to index (an index page, a login wall or a script-only page?)")
    title = _clean(getattr(found, "title", "")) or urlsplit(url).hostname or url
    meta = {"url": url, "title": title, "outlet": _clean(getattr(found, "sitename", "")) or urlsplit(url).hostname,
            "author": _clean(getattr(found, "author", "")), "published": _clean(getattr(found, "date", ""))}
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if paragraphs[0] != title:  # the title heads the text, once
        paragraphs.insert(0, title)
    body_text = "\n\n".join(paragraphs) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "page"
    path = (folder / f"{slug}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:10]}.txt").resolve()
    path.write_text(body_text, encoding="utf-8")
    return SourceDoc(path=path, text=body_text, meta={k: v for k, v in meta.items() if v})


def _clean(value) -> str:
    """A metadata field trafilatura may leave out (None) as one line of text."""
    return one_line(str(value or ""))


def read_link(url: str, data_dir: Path, *, allow_private: bool = True):
    """Fetch `url` and make it a document in DATA_DIR/web/."""
    final, body = fetch(url, allow_private=allow_private)
    return page_document(final, body, Path(data_dir) / "web")


def links_in(source: str, *, allow_private: bool = True) -> list[str]:
    """The links a `rag sync --links` source names: a file of links (one a line, # for comments)
    or an RSS or Atom feed, by file or by URL."""
    import xml.etree.ElementTree as ET

    if is_link(source):
        _, raw = fetch(source, allow_private=allow_private, kinds=FEED_TYPES)
        text = raw.decode("utf-8", "replace")
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read the links in {source}: {exc}") from None
    if text.lstrip().startswith("<"):
        try:
            root = ET.fromstring(text.encode("utf-8"))
        except ET.ParseError as exc:
            raise BadInput(f"{source} is neither a list of links nor a readable feed ({exc})") from None
        def tag(el) -> str:
            return el.tag.rsplit("}", 1)[-1]

        # a story's link is in its <item> (RSS) or <entry> (Atom); the channel's or feed's own is the site
        links = [(el.text or "").strip() or el.get("href", "")
                 for item in root.iter() if tag(item) in ("item", "entry")
                 for el in item if tag(el) == "link" and el.get("rel", "alternate") == "alternate"]
        links = [x for x in links if x]
    else:
        links = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    bad = [x for x in links if not is_link(x)]
    if bad:
        raise BadInput(f"{source}: {bad[0]!r} is not an http(s) link")
    return list(dict.fromkeys(links))
