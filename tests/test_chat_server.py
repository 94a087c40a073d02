"""The loopback chat server speaks the OpenAI protocol well enough for the real clients."""

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from chat_server import ChatServer, Hang, Malformed, Status, Text, by_prompt, scripted

FACT = "全年新增高新技术企业16家，总数达98家。"


def client(server: ChatServer, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="test", **{"max_retries": 0, **kwargs})


def chat_model(server: ChatServer, **kwargs) -> ChatOpenAI:
    options = {"timeout": 5, "max_retries": 0, "streaming": True, **kwargs}
    return ChatOpenAI(model="m", base_url=server.url, api_key="test", **options)


def handler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def ask(server: ChatServer, prompt: str, **kwargs) -> str:
    reply = client(server, **kwargs).chat.completions.create(
        model="m", messages=[{"role": "user", "content": prompt}]
    )
    return reply.choices[0].message.content


def test_openai_client_gets_scripted_text_and_server_records_request():
    with ChatServer(scripted(Text(FACT))) as server:
        messages = [{"role": "system", "content": "你是秘书"}, {"role": "user", "content": "写一句话"}]
        reply = client(server).chat.completions.create(model="m", messages=messages, temperature=0.2)

    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/v1")
    assert reply.choices[0].message.content == FACT
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens == 4 and reply.usage.completion_tokens == 11  # 8 and 21 chars, 2 per token
    assert server.requests == [{"model": "m", "messages": messages, "temperature": 0.2}]


def test_chat_openai_streams_chinese_text_in_pieces():
    with ChatServer(scripted(Text(FACT))) as server:
        chunks = [chunk.content for chunk in chat_model(server).stream([HumanMessage("今年成绩")])]
        usage_chunks = [c.usage_metadata for c in chat_model(server, stream_usage=True).stream("今年成绩")]

    assert "".join(chunks) == FACT
    assert "全年" in chunks and "。" in chunks  # split 2 characters at a time
    assert server.requests[0]["stream"] is True
    # With a custom base_url ChatOpenAI does not ask for usage unless stream_usage=True.
    assert "stream_options" not in server.requests[0]
    assert server.requests[1]["stream_options"] == {"include_usage": True}
    assert {"input_tokens": 2, "output_tokens": 11, "total_tokens": 13}.items() <= next(
        u for u in usage_chunks if u
    ).items()


def test_server_error_is_retried_then_succeeds():
    with ChatServer(scripted(Status(500), Text("第二次成功"))) as server:
        assert ask(server, "hi", max_retries=2) == "第二次成功"
    assert len(server.requests) == 2


def test_status_reply_carries_openai_error_body():
    with ChatServer(scripted(Status(429, "slow down"))) as server:
        with pytest.raises(openai.RateLimitError) as caught:
            ask(server, "hi")
    assert caught.value.status_code == 429
    assert caught.value.body == {"message": "slow down", "type": "rate_limit_error", "code": 429}


def test_hang_times_out_client_and_shutdown_is_prompt():
    server = ChatServer(scripted(Hang(3)))
    with server:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            ask(server, "hi", timeout=0.5)
        with pytest.raises(openai.APITimeoutError):  # ChatOpenAI raises a subclass of the same error
            list(chat_model(server, timeout=0.5).stream("hi"))
        assert time.monotonic() - started < 2
        exiting = time.monotonic()
    assert time.monotonic() - exiting < 1  # both handlers were still mid-Hang
    assert len(server.requests) == 2
    deadline = time.monotonic() + 0.5
    while handler_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert handler_threads() == []  # stop() woke the sleeping handlers instead of leaving them behind


def test_hang_then_answers_after_the_delay():
    with ChatServer(scripted(Hang(0.2, then=Text("迟到的回答")))) as server:
        started = time.monotonic()
        assert ask(server, "hi", timeout=2) == "迟到的回答"
    assert time.monotonic() - started >= 0.2


def test_malformed_stream_raises_json_decode_error_and_empty_text_streams_empty():
    with ChatServer(scripted(Malformed(), Malformed(), Text(""))) as server:
        with pytest.raises(json.JSONDecodeError):  # the SDK parses SSE data unguarded; nothing wraps it
            list(chat_model(server).stream("hi"))
        with pytest.raises(json.JSONDecodeError):
            ask(server, "hi")  # the non-streaming variant: a 200 body claiming JSON that is not
        assert "".join(chunk.content for chunk in chat_model(server).stream("hi")) == ""
        assert ask(server, "hi") == ""


def test_by_prompt_routes_on_last_user_message_concurrently():
    rules = {"就业": Text("新增就业1200人"), "财政": [Text("收入3亿"), Text("收入再报")], "招商": Status(500)}
    with ChatServer(by_prompt(rules, default=Text("无匹配"))) as server:
        llm = chat_model(server, streaming=False)
        # Only the last user message counts, and list-of-parts content is matched too.
        history = [SystemMessage("财政"), HumanMessage("财政"), HumanMessage([{"type": "text", "text": "谈谈就业"}])]
        assert llm.invoke(history).content == "新增就业1200人"
        assert ask(server, "财政情况") == "收入3亿"
        assert ask(server, "财政情况") == "收入再报"
        assert ask(server, "财政情况") == "收入再报"
        with pytest.raises(openai.InternalServerError):
            ask(server, "招商引资")

        prompts = ["就业情况", "财政收入", "天气", "就业形势"]
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda p: "".join(c.content for c in chat_model(server).stream(p)), prompts))
    assert answers == ["新增就业1200人", "收入再报", "无匹配", "新增就业1200人"]


def test_streams_are_served_in_parallel():
    content = "两" * 80  # 40 tokens of 2 characters
    with ChatServer(scripted(Text(content)), tokens_per_second=40) as server:
        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: "".join(c.content for c in chat_model(server).stream("hi")), range(2)))
        elapsed = time.monotonic() - started
    assert answers == [content, content]
    assert 0.9 < elapsed < 1.8  # one stream takes 1 s; in series two would take 2 s


def test_client_hanging_up_mid_stream_is_quiet_and_harmless(capsys):
    with ChatServer(scripted(Text("长" * 200)), tokens_per_second=200) as server:
        stream = client(server).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        next(iter(stream))
        stream.close()
        time.sleep(0.3)  # lets the handler hit the closed socket
        server.responder = scripted(Text("还在"))
        assert ask(server, "hi") == "还在"
    assert capsys.readouterr().err == ""


def test_unknown_path_is_json_404():
    with ChatServer(scripted(Text("x"))) as server:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server.url + "/models", timeout=2)
    assert caught.value.code == 404
    assert json.loads(caught.value.read())["error"]["code"] == 404
    assert server.requests == []
