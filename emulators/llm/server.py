"""OpenAI chat completions (also at Gemini's OpenAI-compatible path) and Anthropic Messages,
answered deterministically with usage, in one response or streamed (SSE).

Structured output: OpenAI `response_format: {"type": "json_schema"}` and Anthropic forced
tool use (`tool_choice: {"type": "tool"}`) get schema-valid JSON.

Tests steer it through `/_emulator`:
- `POST /_emulator/faults {"faults": [{"match"?, "status"?, "latency_ms"?, "invalid_json"?,
  "times"?}]}` queues faults; a request takes the first fault whose `match` (a substring
  of the request body) it contains, `times` times (default once). `status` answers that
  error (429 with Retry-After); `invalid_json` answers text that is not JSON (or no tool
  call); `latency_ms` delays the answer (beyond the client's timeout: a timeout).
- `DELETE /_emulator/faults` forgets them; `GET /_emulator/requests?match=` counts the
  requests seen (per model) whose body contains `match`.

Prompt caching as OpenAI reports it, for requests that opt in with `prompt_cache_key`: a
prompt of 1,024 tokens or more whose beginning was sent before under the same key has that
prefix cached, in steps of 128 tokens (`usage.prompt_tokens_details.cached_tokens`).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
import time

from flask import Flask, Response, jsonify, request

from emulators.llm.answers import count_tokens, json_for, text_answer
from emulators.serving import serve


class EmulatorState:
    def __init__(self):
        self.faults: list[dict] = []
        self.requests: list[tuple[str, str]] = []  # (model, body)
        self.cache: dict[str, list[str]] = {}  # prompt_cache_key -> the last prompts sent with it
        self.lock = threading.Lock()

    def fault_for(self, body: str) -> dict | None:
        with self.lock:
            for fault in self.faults:
                if fault.get("match", "") in body:
                    fault["times"] = fault.get("times", 1) - 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None

    def cached_tokens(self, key, prompt: str) -> int:
        if not isinstance(key, str) or not key:
            return 0
        with self.lock:
            seen = self.cache.setdefault(key, [])
            shared = max((len(os.path.commonprefix([prompt, earlier])) for earlier in seen), default=0)
            seen[:] = [*seen[-99:], prompt]
        if count_tokens(prompt) < 1024 or not shared:
            return 0
        return min(count_tokens(prompt[:shared]), count_tokens(prompt)) // 128 * 128

    def record(self, model: str, body: str) -> None:
        with self.lock:
            self.requests.append((model, body))


def create_app(state: EmulatorState):
    app = Flask("llm-emulator")

    def error(status: int, kind: str, message: str, anthropic: bool):
        body = (
            {"type": "error", "error": {"type": kind, "message": message}}
            if anthropic
            else {"error": {"message": message, "type": kind, "code": kind}}
        )
        headers = {"Retry-After": "1"} if status == 429 else {}
        return jsonify(body), status, headers

    def prepare(anthropic: bool):
        """(request JSON, fault) or an error answer."""
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        # Anthropic takes x-api-key, or a bearer token (the SDK sends one for an auth_token).
        credential = (request.headers.get("x-api-key") or bearer) if anthropic else bearer
        if not credential:
            return None, None, error(401, "authentication_error", "no API key", anthropic)
        raw = request.get_data(as_text=True)
        try:
            payload = json.loads(raw)
        except json.JSONDecodeError:
            return None, None, error(400, "invalid_request_error", "the body is not JSON", anthropic)
        if not isinstance(payload, dict) or not payload.get("model") or not isinstance(payload.get("messages"), list):
            return None, None, error(400, "invalid_request_error", "model and messages are required", anthropic)
        state.record(payload["model"], raw)
        fault = state.fault_for(raw)
        if fault and fault.get("latency_ms"):
            time.sleep(fault["latency_ms"] / 1000)
        if fault and fault.get("status"):
            kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(fault["status"], "api_error")
            return None, None, error(fault["status"], kind, "injected fault", anthropic)
        return payload, fault, None

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.post("/_emulator/faults")
    def add_faults():
        faults = (request.get_json(silent=True) or {}).get("faults")
        if not isinstance(faults, list):
            return jsonify({"error": {"code": "invalid_body", "message": 'send {"faults": [...]}'}}), 400
        with state.lock:
            state.faults.extend(dict(f) for f in faults)
        return jsonify({"queued": len(faults)})

    @app.delete("/_emulator/faults")
    def clear_faults():
        with state.lock:
            state.faults.clear()
        return jsonify({"cleared": True})

    @app.get("/_emulator/requests")
    def seen():
        match = request.args.get("match", "")
        with state.lock:
            found = [model for model, body in state.requests if match in body]
        return jsonify({"count": len(found), "models": {m: found.count(m) for m in sorted(set(found))}})

    @app.post("/v1/chat/completions")
    @app.post("/v1beta/openai/chat/completions")
    def chat_completions():
        payload, fault, refused = prepare(anthropic=False)
        if refused:
            return refused
        conversation, steer = _conversation(payload["messages"])
        schema = ((payload.get("response_format") or {}).get("json_schema") or {}).get("schema")
        content = _content(schema, conversation, steer, fault)
        usage = {"prompt_tokens": count_tokens(conversation), "completion_tokens": count_tokens(content)}
        usage.update(
            total_tokens=usage["prompt_tokens"] + usage["completion_tokens"],
            prompt_tokens_details={"cached_tokens": state.cached_tokens(payload.get("prompt_cache_key"), conversation)},
            completion_tokens_details={"reasoning_tokens": 0},
        )
        ident, created = "chatcmpl-" + secrets.token_hex(8), int(time.time())
        if not payload.get("stream"):
            return jsonify(
                {
                    "id": ident,
                    "object": "chat.completion",
                    "created": created,
                    "model": payload["model"],
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                    ],
                    "usage": usage,
                }
            )

        def chunks():
            base = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": payload["model"]}
            for piece in _pieces(content):
                yield _sse({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if (payload.get("stream_options") or {}).get("include_usage"):
                yield _sse({**base, "choices": [], "usage": usage})
            yield "data: [DONE]\n\n"

        return Response(chunks(), mimetype="text/event-stream")

    @app.post("/v1/messages")
    def messages():
        payload, fault, refused = prepare(anthropic=True)
        if refused:
            return refused
        system = payload.get("system") or ""
        system_text = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system)
        conversation, steer = _conversation(payload["messages"])
        conversation = system_text + "\n" + conversation
        tool = _forced_tool(payload)
        if tool is not None and not (fault and fault.get("invalid_json")):
            block = {
                "type": "tool_use",
                "id": "toolu_" + secrets.token_hex(8),
                "name": tool["name"],
                "input": json_for(tool.get("input_schema", {}), conversation, steer),
            }
            produced = json.dumps(block["input"])
        else:
            produced = _content(None, conversation, steer, fault)
            block = {"type": "text", "text": produced}
        usage = {
            "input_tokens": count_tokens(conversation),
            "output_tokens": count_tokens(produced),
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        }
        message = {
            "id": "msg_" + secrets.token_hex(8),
            "type": "message",
            "role": "assistant",
            "model": payload["model"],
            "content": [block],
            "stop_reason": "tool_use" if block["type"] == "tool_use" else "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }
        if not payload.get("stream"):
            return jsonify(message)

        def events():
            start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
            yield _sse({"type": "message_start", "message": start}, "message_start")
            empty = {"type": "text", "text": ""} if block["type"] == "text" else {**block, "input": {}}
            yield _sse({"type": "content_block_start", "index": 0, "content_block": empty}, "content_block_start")
            for piece in _pieces(produced):
                delta = (
                    {"type": "text_delta", "text": piece}
                    if block["type"] == "text"
                    else {"type": "input_json_delta", "partial_json": piece}
                )
                yield _sse({"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta")
            yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
            yield _sse(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                    "usage": {"output_tokens": usage["output_tokens"]},
                },
                "message_delta",
            )
            yield _sse({"type": "message_stop"}, "message_stop")

        return Response(events(), mimetype="text/event-stream")

    return app


def _conversation(messages: list) -> tuple[str, str]:
    """(every message's text, the first user message's text: the question asked)."""
    texts, first_user = [], None
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else ""
        text = (
            content
            if isinstance(content, str)
            else " ".join(part.get("text", "") for part in content or [] if isinstance(part, dict))
        )
        texts.append(text)
        if first_user is None and isinstance(message, dict) and message.get("role") == "user":
            first_user = text
    return "\n".join(texts), first_user or ""


def _content(schema: dict | None, conversation: str, steer: str, fault: dict | None) -> str:
    if fault and fault.get("invalid_json"):
        return "Sure! Here is the JSON you asked for: {not valid"
    if schema is not None:
        return json.dumps(json_for(schema, conversation, steer))
    return text_answer(conversation)


def _forced_tool(payload: dict) -> dict | None:
    choice = payload.get("tool_choice") or {}
    if choice.get("type") != "tool":
        return None
    return next((t for t in payload.get("tools", []) if t.get("name") == choice.get("name")), None)


def _pieces(text: str, size: int = 24) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _sse(data: dict, event: str | None = None) -> str:
    return (f"event: {event}\n" if event else "") + f"data: {json.dumps(data)}\n\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llm-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    args = parser.parse_args(argv)
    return serve(create_app(EmulatorState()), args.host, args.port, "llm-emulator")


if __name__ == "__main__":
    sys.exit(main())
