"""classify's JSONL stream: clean's records, batches cut where a producer pauses, and one
failing document costing only its own line."""

from __future__ import annotations

import io
import json
import os
import threading

from newssift.classifier.records import ReadOptions
from newssift.classifier.stream import classify_jsonl


def jsonl(*records) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records)


class FailsOn:
    """The real model, failing as a bug would on any batch that holds a text with ``word``."""

    def __init__(self, model, word: str) -> None:
        self.model, self.word = model, word

    def segment_many_dicts(self, texts, **kwargs):
        if any(self.word in t for t in texts):
            raise ValueError("an internal error")
        return self.model.segment_many_dicts(texts, **kwargs)


def test_a_document_the_model_fails_on_costs_only_its_own_line(tiny_model):
    docs = [{"id": i, "text": f"Story {i}.\nIts second line."} for i in range(5)]
    docs[2]["text"] = "A text the model cannot take: POISON"
    out = io.StringIO()
    counts = classify_jsonl(FailsOn(tiny_model, "POISON"), io.BytesIO(jsonl(*docs)), out, name="in.jsonl")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert counts == (4, 1) and [r["id"] for r in records] == [0, 1, 2, 3, 4]
    assert records[2]["error"]["code"] == "labelling_failed" and records[2]["error"]["line"] == 3
    assert all(r["segments"] for i, r in enumerate(records) if i != 2)


def test_records_are_read_with_the_fields_and_limit_given(tiny_model):
    lines = jsonl({"url": "u1", "body": "A story.\nIts second line.", "host": "a.example"},
                  {"url": "u2", "body": "x" * 101}, {"url": "u3", "text": "Not the field read."})
    out = io.StringIO()
    options = ReadOptions(text_field="body", id_field="url", site_field="host", max_document_bytes=100)
    assert classify_jsonl(tiny_model, io.BytesIO(lines), out, options=options) == (1, 2)
    first, big, other = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["id"] == "u1" and first["segments"]
    assert (big["id"], big["error"]["code"]) == ("u2", "document_too_large")
    assert other["error"]["message"] == "field 'body' missing; set --text-field"


def test_a_pausing_pipe_is_numbered_across_blank_lines_and_labelled_before_it_ends(tiny_model):
    read_end, write_end = os.pipe()
    labelled, seen_while_paused = threading.Event(), []

    class Output(io.StringIO):
        def flush(self) -> None:  # classify flushes after every batch it labelled
            if self.getvalue():
                labelled.set()

    def produce() -> None:
        os.write(write_end, jsonl({"id": "first", "text": "A story."}) + b"\n  \n")
        seen_while_paused.append(labelled.wait(timeout=30))  # the producer pauses, the pipe open
        os.write(write_end, b"{broken\n")
        os.close(write_end)

    writer = threading.Thread(target=produce)
    writer.start()
    out = Output()
    with os.fdopen(read_end, "rb") as pipe:
        counts = classify_jsonl(tiny_model, pipe, out, name="stdin")
    writer.join()
    assert seen_while_paused == [True] and counts == (1, 1)
    first, broken = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["id"] == "first"
    assert broken["error"]["line"] == 4 and broken["error"]["source"] == "stdin"
