"""An AI agent's side of MCP, with the official Python SDK (PyPI `mcp`): connects to a Vellum
server's /mcp over streamable HTTP with a bearer token, runs the operations given as JSON on
stdin, and prints their outcomes as one JSON array.

Operations: {"op": "list_tools"}, {"op": "call", "name", "arguments"},
{"op": "read_resource", "uri"}, {"op": "list_resource_templates"},
{"op": "time_call", "name", "arguments", "times"} (round-trip milliseconds of each call),
{"op": "time_get", "path", "times"} (the same for a plain GET of the server's REST API, through
the same HTTP client, so a benchmark can tell the client's share from the protocol's).
"""

import asyncio
import base64
import json
import sys
import time

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def call_outcome(result):
    text = "".join(getattr(c, "text", "") for c in result.content)
    return {
        "is_error": bool(result.is_error),
        "structured": result.structured_content,
        "text": text,
    }


async def run(url, token, ops):
    out = []
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            for op in ops:
                kind = op["op"]
                if kind == "list_tools":
                    tools = await client.list_tools()
                    out.append({
                        "names": [t.name for t in tools.tools],
                        "schemas": {t.name: t.input_schema for t in tools.tools},
                    })
                elif kind == "call":
                    result = await client.call_tool(op["name"], op.get("arguments", {}))
                    out.append(call_outcome(result))
                elif kind == "read_resource":
                    try:
                        result = await client.read_resource(op["uri"])
                        item = result.contents[0]
                        blob = getattr(item, "blob", None)
                        size = len(base64.b64decode(blob)) if blob else len(getattr(item, "text", ""))
                        out.append({"ok": True, "mime_type": item.mime_type, "size": size,
                                    "head": base64.b64decode(blob)[:4].hex() if blob else ""})
                    except Exception as e:  # an MCP error answer: the test reads its message
                        out.append({"ok": False, "error": str(e)})
                elif kind == "list_resource_templates":
                    result = await client.list_resource_templates()
                    out.append({"templates": [t.uri_template for t in result.resource_templates]})
                elif kind == "time_get":
                    base = url.rsplit("/mcp", 1)[0]
                    times = []
                    for _ in range(op["times"]):
                        started = time.perf_counter()
                        response = await http.get(base + op["path"])
                        times.append((time.perf_counter() - started) * 1000.0)
                        if response.status_code != 200:
                            raise SystemExit(f"the timed GET failed: {response.status_code}")
                    out.append({"ms": times})
                elif kind == "time_call":
                    times = []
                    for _ in range(op["times"]):
                        started = time.perf_counter()
                        result = await client.call_tool(op["name"], op.get("arguments", {}))
                        times.append((time.perf_counter() - started) * 1000.0)
                        if result.is_error:
                            raise SystemExit("the timed call failed: " + call_outcome(result)["text"])
                    out.append({"ms": times})
                else:
                    raise SystemExit(f"unknown operation {kind}")
    return out


def main():
    url, token = sys.argv[1], sys.argv[2]
    ops = json.load(sys.stdin)
    print(json.dumps(asyncio.run(run(url, token, ops))))


if __name__ == "__main__":
    main()
