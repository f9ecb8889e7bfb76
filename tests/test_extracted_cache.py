"""The extractors' texts of the raw-page evaluation are cached in files keyed by what they
depend on: the same extractor release and data file read them back, a changed file does not."""

import gzip
import json
import os

from newssift.training import eval_html


def test_texts_are_read_back_until_the_data_file_changes(tmp_path, monkeypatch):
    data = tmp_path / "src.jsonl.gz"
    with gzip.open(data, "wt") as handle:
        for n in range(3):
            handle.write(json.dumps({"html": f"<p>page {n}</p>"}) + "\n")
    calls = []

    def fake_extract(name, html):
        calls.append(html)
        return html.upper()

    monkeypatch.setattr(eval_html, "extract_text", fake_extract)
    monkeypatch.setattr(eval_html, "_version", lambda name: "1.0")
    cache = tmp_path / "cache"
    first = eval_html.extracted_texts(cache, "jusText", data, 3)
    assert first == ["<P>PAGE 0</P>", "<P>PAGE 1</P>", "<P>PAGE 2</P>"] and len(calls) == 3
    assert eval_html.extracted_texts(cache, "jusText", data, 3) == first and len(calls) == 3
    assert eval_html.extracted_texts(cache, "jusText", data, 2) == first[:2] and len(calls) == 5
    monkeypatch.setattr(eval_html, "_version", lambda name: "2.0")  # a new release: extracted again
    eval_html.extracted_texts(cache, "jusText", data, 3)
    assert len(calls) == 8
    os.utime(data, ns=(1, 1))  # the data file changed
    eval_html.extracted_texts(cache, "jusText", data, 3)
    assert len(calls) == 11
    assert not list((cache / "extracted").glob("*.tmp"))
    assert eval_html.extracted_texts(None, "jusText", data, 1) == first[:1]  # no cache: no files
