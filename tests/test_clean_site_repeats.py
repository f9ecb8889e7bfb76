"""``clean`` counts each site's lines over the corpus, and the model's site-repeats head
weighs them: the run's first pass, its file beside the output, --resume, --no-site-repeats,
stdin, a model without the head, and the Dask engine's map-reduce."""

from __future__ import annotations

import json
import random

import click
import numpy as np
import pytest
from click.testing import CliRunner

from newssift.classifier.cli import NewssiftGroup
from newssift.clean.cli import clean

TOP = ["Home", "World", "Politics", "Sign in"]
MIDDLE = ["Advertisement", "Sign up for our morning newsletter to get the day's top stories."]
END = ["Share this article", "Cookies help us run this site. By staying you accept them.",
       "Copyright 2026 Example Media"]
WORDS = ("river council harbour vote budget storm bridge minister school farmers market court "
         "hospital rail ferry mayor").split()


@click.group(cls=NewssiftGroup)
def group() -> None:
    """The clean command on a group that handles errors the way `newssift` does."""


group.add_command(clean)


def _pages(n: int, seed: int = 3) -> list[dict]:
    """Pages of one site, written here: its template's lines around a new story on each."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        story = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 40))).capitalize() + "."
                 for _ in range(5)]
        lines = TOP + [f"Story {i}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)}"] + story[:2] \
            + MIDDLE + story[2:] + END
        out.append({"id": f"p{i}", "url": f"https://www.example.com/news/{i}", "text": "\n".join(lines)})
    return out


@pytest.fixture(scope="module")
def head_model_dir(tiny_model_dir, tmp_path_factory):
    """The tiny model with a site-repeats head that trusts recurrence a lot."""
    from newssift.classifier.persist import load_model, read_manifest, save_model
    from newssift.classifier.repeats import RepeatHead

    model = load_model(tiny_model_dir)
    model.repeats = RepeatHead(np.array([-2.0, -1.0, -2.0, -1.0]))
    manifest = read_manifest(tiny_model_dir)
    manifest.pop("files", None)
    return save_model(model, tmp_path_factory.mktemp("head") / "model", manifest)


def _corpus(tmp_path, records) -> str:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def _run(*args, input=None):
    result = CliRunner().invoke(group, ["clean", "--workers", "1", *args], input=input)
    assert result.exit_code == 0, result.output
    return result


def _records(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_template_lines_go_and_stories_stay(head_model_dir, tmp_path):
    src = _corpus(tmp_path, _pages(8))
    out = tmp_path / "out.jsonl"
    result = _run(src, "-o", str(out), "--model", str(head_model_dir))
    assert "site repeats: " in result.output and "of 1 site, counted over 8 pages" in result.output
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["site_repeats"]["status"] == "on"
    assert summary["site_repeats"]["sites"] == 1 and summary["site_repeats"]["pages"] == 8
    assert summary["labelling"]["site_repeats"] is True
    assert (tmp_path / "out.site-lines.npz").is_file()
    for rec, page in zip(_records(out), _pages(8)):
        kept = rec["text"].splitlines()
        for line in TOP + MIDDLE + END:
            assert line not in kept, (rec["id"], line)
        story = [t for t in page["text"].splitlines() if len(t.split()) >= 20]
        assert sum(t in kept for t in story) >= 4, rec["id"]


def test_off_by_flag_and_the_same_text_without_it(head_model_dir, tmp_path):
    src = _corpus(tmp_path, _pages(8))
    result = _run(src, "-o", str(tmp_path / "off.jsonl"), "--model", str(head_model_dir),
                  "--no-site-repeats")
    assert "site repeats: off (--no-site-repeats)" in result.output
    assert not (tmp_path / "off.site-lines.npz").exists()
    _run(src, "-o", str(tmp_path / "on.jsonl"), "--model", str(head_model_dir))
    off, on = _records(tmp_path / "off.jsonl"), _records(tmp_path / "on.jsonl")
    # The counts only ever move template lines out here: what is kept with them is kept
    # without (but the headline, which the story's first paragraph, so what is kept, places).
    for a, b in zip(off, on):
        assert set(b["text"].splitlines()) - {b["headline"]} <= set(a["text"].splitlines())
    assert sum(len(a["text"]) for a in off) > sum(len(b["text"]) for b in on)


def test_one_page_per_site_changes_nothing(head_model_dir, tmp_path):
    pages = _pages(6)
    for i, page in enumerate(pages):
        page["url"] = f"https://site{i}.example/{i}"
    src = _corpus(tmp_path, pages)
    _run(src, "-o", str(tmp_path / "on.jsonl"), "--model", str(head_model_dir))
    _run(src, "-o", str(tmp_path / "off.jsonl"), "--model", str(head_model_dir), "--no-site-repeats")
    assert _records(tmp_path / "on.jsonl") == _records(tmp_path / "off.jsonl")


def test_site_field_comes_before_the_url(head_model_dir, tmp_path):
    pages = _pages(6)
    for i, page in enumerate(pages):
        page["site"] = f"own-{i}"  # every page its own site: nothing repeats
    src = _corpus(tmp_path, pages)
    result = _run(src, "-o", str(tmp_path / "out.jsonl"), "--model", str(head_model_dir))
    assert "of 6 sites, counted over 6 pages" in result.output


def test_no_site_anywhere_is_said(head_model_dir, tmp_path):
    pages = [{"id": p["id"], "text": p["text"]} for p in _pages(4)]
    result = _run(_corpus(tmp_path, pages), "-o", str(tmp_path / "out.jsonl"), "--model",
                  str(head_model_dir))
    assert "site repeats: no record named its site" in result.output


def test_resume_labels_with_the_first_runs_counts(head_model_dir, tmp_path):
    src = _corpus(tmp_path, _pages(8))
    out = tmp_path / "out.jsonl"
    _run(src, "-o", str(out), "--model", str(head_model_dir))
    whole = out.read_bytes()
    counts = tmp_path / "out.site-lines.npz"
    stamp = counts.stat().st_mtime_ns
    lines = whole.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:3]))  # a run cut short after three documents
    _run(src, "-o", str(out), "--model", str(head_model_dir), "--resume")
    assert out.read_bytes() == whole
    assert counts.stat().st_mtime_ns == stamp  # read, not counted again
    # A resumed run must label as the first one did.
    result = CliRunner().invoke(group, ["clean", "--workers", "1", src, "-o", str(out), "--model",
                                        str(head_model_dir), "--resume", "--no-site-repeats"])
    assert result.exit_code == 2 and "site_repeats" in result.output


def test_unreadable_counts_on_resume_are_one_line(head_model_dir, tmp_path):
    src = _corpus(tmp_path, _pages(4))
    out = tmp_path / "out.jsonl"
    _run(src, "-o", str(out), "--model", str(head_model_dir))
    (tmp_path / "out.site-lines.npz").write_bytes(b"not a zip")
    result = CliRunner().invoke(group, ["clean", "--workers", "1", src, "-o", str(out), "--model",
                                        str(head_model_dir), "--resume"])
    assert result.exit_code == 2
    assert "unreadable site line counts" in result.output and "Traceback" not in result.output


def test_an_existing_output_is_refused_before_any_counting(head_model_dir, tmp_path):
    src = _corpus(tmp_path, _pages(4))
    out = tmp_path / "out.jsonl"
    out.write_text("{}\n")
    result = CliRunner().invoke(group, ["clean", "--workers", "1", src, "-o", str(out), "--model",
                                        str(head_model_dir)])
    assert result.exit_code == 2
    assert not (tmp_path / "out.site-lines.npz").exists()


def test_stdin_and_a_model_without_the_head_say_why_it_is_off(head_model_dir, tiny_model_dir, tmp_path):
    records = "".join(json.dumps(r) + "\n" for r in _pages(4))
    result = _run("-", "-o", str(tmp_path / "a.jsonl"), "--model", str(head_model_dir), input=records)
    assert "site repeats: off: stdin is read once" in result.output
    result = _run(_corpus(tmp_path, _pages(4)), "-o", str(tmp_path / "b.jsonl"), "--model",
                  str(tiny_model_dir))
    assert "site repeats: off: the model has no site-repeats head" in result.output


def test_workers_give_the_same_output(head_model_dir, tmp_path):
    src = _corpus(tmp_path, _pages(10))
    _run(src, "-o", str(tmp_path / "one.jsonl"), "--model", str(head_model_dir), "--chunk-size", "3")
    result = CliRunner().invoke(group, ["clean", src, "-o", str(tmp_path / "two.jsonl"), "--model",
                                        str(head_model_dir), "--chunk-size", "3", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


@pytest.mark.slow
def test_dask_counts_by_map_reduce_and_gives_the_local_output(head_model_dir, tmp_path):
    pytest.importorskip("distributed", reason='the Dask engine is optional: pip install "newssift[dask]"')
    src = _corpus(tmp_path, _pages(12))
    _run(src, "-o", str(tmp_path / "local.jsonl"), "--model", str(head_model_dir))
    out = tmp_path / "dask"
    result = CliRunner().invoke(group, ["clean", src, "-o", str(out), "--model", str(head_model_dir),
                                        "--engine", "dask", "--workers", "2", "--partition-size", "4"])
    assert result.exit_code == 0, result.output
    assert (out / "_site_lines.npz").is_file()
    got = sorted(json.loads(line)["id"] + line for p in sorted(out.glob("part-*.jsonl"))
                 for line in p.read_text().splitlines())
    want = sorted(json.loads(line)["id"] + line
                  for line in (tmp_path / "local.jsonl").read_text().splitlines())
    assert got == want
    assert json.loads((out / "_summary.json").read_text())["site_repeats"]["pages"] == 12


def test_a_warc_pages_site_is_its_target_uris_host(head_model_dir, tmp_path):
    pytest.importorskip("warcio", reason="reading WARC files needs warcio: pip install warcio")
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for page in _pages(6):
            body = "<html><body>" + "".join(f"<p>{line}</p>" for line in page["text"].splitlines()) \
                + "</body></html>"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                page["url"], "response", payload=io.BytesIO(body.encode()), http_headers=headers))
    result = _run(str(path), "-o", str(tmp_path / "out.jsonl"), "--model", str(head_model_dir))
    assert "of 1 site, counted over 6 pages" in result.output
