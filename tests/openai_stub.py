"""A small OpenAI-compatible HTTP server on 127.0.0.1 that replays scripted replies.

    with ScriptedOpenAI() as server:
        server.enqueue("Beijing [1].")              # a normal reply
        server.enqueue(status=500)                   # an HTTP error
        os.environ["RAG_LLM_BASE_URL"] = server.url  # http://127.0.0.1:PORT/v1

Each request takes the next queued reply (a fixed text, a function of the
request, an HTTP error, a delay, or a raw malformed body). It serves POST /v1/chat/completions (plain JSON, or server-sent events when the
request asks to stream) and GET /v1/models, and keeps every request body in
`.requests`. A request for log-probabilities (the guard's second opinion) is kept in
`.opinion_requests` and takes the next reply of its own queue (`enqueue_opinion(p_yes)`);
without one it gets "yes" with no log-probabilities.
"""

from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedOpenAI:
    def __init__(self, model: str = "scripted-model") -> None:
        self.model = model
        self.replies: list[dict] = []
        self.opinions: list[float] = []
        self.opinion_requests: list[dict] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [{"id": stub.model, "object": "model"}]}).encode())
                else:
                    self._send(404, b'{"error": {"message": "not found"}}')

            def _opinion(self, p_yes: float | None) -> None:
                choice = {"index": 0, "message": {"role": "assistant", "content": "yes"}, "finish_reason": "length"}
                if p_yes is not None:
                    top = [{"token": t, "logprob": math.log(max(p, 1e-9)), "bytes": None}
                           for t, p in (("yes", p_yes), ("no", 1 - p_yes))]
                    choice["logprobs"] = {"content": [{"token": "yes", "logprob": top[0]["logprob"], "bytes": None,
                                                       "top_logprobs": top}]}
                self._send(200, json.dumps({"id": "c1", "object": "chat.completion", "created": 0, "model": stub.model,
                                            "choices": [choice],
                                            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode())

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with stub._lock:
                    if body.get("logprobs"):
                        stub.opinion_requests.append(body)
                        p_yes = stub.opinions.pop(0) if stub.opinions else None
                        return self._opinion(p_yes)
                    stub.requests.append(body)
                    reply = stub.replies.pop(0) if stub.replies else {"content": "I don't know - the documents don't say."}
                if reply.get("delay"):
                    time.sleep(reply["delay"])
                if reply.get("status", 200) != 200:
                    self.send_response(reply["status"])
                    body_out = json.dumps({"error": {"message": "scripted error"}}).encode()
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body_out)))
                    if reply.get("retry_after") is not None:
                        self.send_header("Retry-After", str(reply["retry_after"]))
                    self.end_headers()
                    self.wfile.write(body_out)
                    return
                if reply.get("raw") is not None:
                    self._send(200, reply["raw"].encode())
                    return
                content = reply["fn"](body) if reply.get("fn") else reply["content"]
                if body.get("stream"):
                    chunks = [content[i:i + 8] for i in range(0, len(content), 8)]
                    events = [{"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": stub.model,
                               "choices": [{"index": 0, "delta": {"role": "assistant", "content": c}, "finish_reason": None}]}
                              for c in chunks]
                    events.append({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": stub.model,
                                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    data = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
                    self._send(200, data.encode(), "text/event-stream")
                    return
                self._send(200, json.dumps({
                    "id": "c1", "object": "chat.completion", "created": 0, "model": stub.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode())

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def enqueue(self, content=None, **reply) -> "ScriptedOpenAI":
        """content: the reply text, or a function of the request body returning it.
        Other keys: status (HTTP error), retry_after, delay (seconds), raw (a body sent as is)."""
        if callable(content):
            content, reply["fn"] = None, content
        if content is not None:
            reply["content"] = content
        with self._lock:
            self.replies.append(reply)
        return self

    def enqueue_opinion(self, p_yes: float) -> "ScriptedOpenAI":
        """The reply to the next request for log-probabilities: P(yes) = p_yes."""
        with self._lock:
            self.opinions.append(p_yes)
        return self

    def __enter__(self) -> "ScriptedOpenAI":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
