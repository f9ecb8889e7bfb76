"""The newssift command as a user runs it: one article, JSONL streams, and every bad input."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading

import pytest
from click.testing import CliRunner
from conftest import COMMENT_WORDS, ROOT, SHIPPED, STORY_WITH_COMMENTS

from newssift.cli import cli

EXAMPLE = ROOT / "examples" / "article.txt"


@pytest.fixture
def run(tiny_model_dir):
    def run(*args, input=None, env=None):
        return CliRunner().invoke(cli, ["classify", "--model", str(tiny_model_dir), *args],
                                  input=input, env=env, prog_name="newssift")
    return run


def test_json_output_has_article_and_every_segment(run):
    result = run("--format", "json", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"article", "segments", "model"}
    text = EXAMPLE.read_text(encoding="utf-8")
    assert len(out["segments"]) == len([line for line in text.splitlines() if line.strip()])
    first = out["segments"][0]
    assert set(first) == {"index", "start", "end", "text", "role", "role_score", "topic", "topic_score",
                          "correction"}
    assert first["correction"] is None  # no correction memory given: the model's own labels
    assert text[first["start"]:first["end"]] == first["text"]


def test_listing_names_roles_and_topics(run):
    result = run("--format", "text", str(EXAMPLE))
    assert result.exit_code == 0
    assert "main" in result.output and "teaser" in result.output


def test_json_and_listing_say_the_language_and_that_the_topic_is_untrained_for_it(run):
    german = ("Der Mieterbund fordert eine Reform des Mietrechts\n"
              "Die Mieten in den großen Städten sind im vergangenen Jahr erneut deutlich gestiegen, "
              "besonders für Familien mit Kindern und Menschen mit geringem Einkommen.\n")
    art = json.loads(run("--format", "json", "-", input=german).output)["article"]
    assert art["lang"] == "de" and 0.5 < art["lang_score"] <= 1
    assert art["topic_trained_for_lang"] is False
    listing = run("--format", "text", "-", input=german).output  # its head may take three lines
    assert "language de (" in listing and "not trained for de" in listing
    english = run("--format", "text", str(EXAMPLE)).output
    assert "language en (" in english and "not trained" not in english


def test_empty_input_is_one_line_and_exit_2(run, tmp_path):
    (tmp_path / "blank.txt").write_text(" \n\n")
    (tmp_path / "blank.html").write_text("\n")
    for args, stdin in ((("-",), ""), ((str(tmp_path / "blank.txt"),), None),
                        (("--input-format", "html", str(tmp_path / "blank.html")), None)):
        result = run("--format", "json", *args, input=stdin)
        assert result.exit_code == 2, result.output
        assert "no text to label" in result.output and len(result.output.strip().splitlines()) == 1


def test_jsonl_keeps_ids_and_reports_bad_lines_by_number(run):
    lines = [json.dumps({"id": "a", "text": "A story.\nAnother line."}), "{not json",
             json.dumps({"id": 7}), json.dumps({"id": "b", "text": ""}), "[1, 2]"]
    result = run("--input-format", "jsonl", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 1  # some lines failed
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", None, 7, "b", None]
    assert records[0]["segments"] and records[3]["segments"] == []
    assert records[1]["error"]["line"] == 2 and "malformed JSON" in records[1]["error"]["message"]
    assert records[2] == {"id": 7, "error": {"code": "invalid_input", "source": "stdin", "line": 3,
                                             "message": "field 'text' missing; set --text-field"}}
    assert "3 line(s)" in result.stderr


def test_jsonl_from_file(run, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": f"Line {i} of a story."}) + "\n"
                            for i in range(130)))
    result = run("--input-format", "jsonl", "--batch-size", "16", str(path))
    assert result.exit_code == 0
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == list(range(130))


@pytest.mark.parametrize("content, message", [
    (b"caf\xe9 au lait", "not valid UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary data"),
])
def test_undecodable_input_is_one_line_and_non_zero(run, tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = run(str(path))
    assert result.exit_code != 0
    assert result.stderr.startswith("newssift: ") and message in result.stderr
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1


def test_missing_file_and_directory(run, tmp_path):
    for target, message in [(tmp_path / "nope.txt", "no such file"), (tmp_path, "is a directory")]:
        result = run(str(target))
        assert result.exit_code != 0 and message in result.stderr


def test_bad_model_path_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["classify", "--model", str(tmp_path / "none"), str(EXAMPLE)])
    assert result.exit_code != 0
    assert result.stderr.startswith("newssift: ") and "no such model directory" in result.stderr


def test_utf8_bom_is_accepted(run, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffA headline\nA paragraph of the story.".encode())
    result = run("--format", "json", str(path))
    assert result.exit_code == 0
    assert json.loads(result.output)["segments"][0]["text"] == "A headline"


def test_train_rejects_unknown_config_keys(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[heads]\nmain_alhpa = 1\n")
    result = CliRunner().invoke(cli, ["train", "--config", str(cfg), "--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and "unknown setting(s) main_alhpa" in result.stderr
    assert not (tmp_path / "m").exists()


def test_jsonl_lone_surrogate_is_an_error_record_not_a_crash(run):
    lines = ['{"id": 1, "text": "bad \\ud800 text"}', json.dumps({"id": 2, "text": "Fine line."})]
    result = run("--input-format", "jsonl", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 1  # one line failed
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert "error" in records[0] and records[1]["segments"]


def test_train_refuses_to_replace_a_directory_that_is_not_a_model(tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    result = CliRunner().invoke(cli, ["train", "--config", "training/configs/tiny.toml",
                                      "--out", str(tmp_path)])
    assert result.exit_code != 0 and "not a model directory" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "precious"


def test_main_threshold_moves_the_line_between_main_and_the_rest(run):
    mains = []
    for t in ("0.1", "0.5", "0.9"):
        result = run("--format", "json", "--main-threshold", t, str(EXAMPLE))
        assert result.exit_code == 0, result.output
        mains.append(json.loads(result.output)["article"]["n_main"])
    assert mains[0] >= mains[1] >= mains[2] and mains[0] > mains[2]


def test_an_unusable_main_threshold_is_one_line(run):
    result = run("--main-threshold", "2", str(EXAMPLE))
    assert result.exit_code == 2 and result.output.startswith("newssift: main threshold")


@pytest.mark.parametrize("flags, kept", [((), False), (("--keep-comments",), True)])
def test_comments_are_dropped_unless_asked_for(shipped_model, flags, kept):
    result = CliRunner().invoke(cli, ["classify", "--model", str(SHIPPED), "--format", "json", *flags, "-"],
                                input=STORY_WITH_COMMENTS)
    assert result.exit_code == 0, result.output
    assert (COMMENT_WORDS in json.loads(result.output)["article"]["text"]) == kept


def test_recording_needs_the_leave_one_dataset_out_run(tiny_model_dir):
    manifest = (tiny_model_dir / "manifest.json").read_bytes()
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(tiny_model_dir), "--no-lodo", "--record"])
    assert result.exit_code == 2
    assert result.output.startswith("newssift: --record stores a full evaluation")
    assert (tiny_model_dir / "manifest.json").read_bytes() == manifest


def _corrections_file(tmp_path, text, labels, site=None):
    rec = {"text": text, "labels": labels, **({"site": site} if site else {})}
    path = tmp_path / "corrections.jsonl"
    path.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return path


def test_classify_applies_a_corrections_file(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    corrections = _corrections_file(tmp_path, text, [{"id": 1, "index": 0, "role": "boilerplate"}])
    plain = json.loads(CliRunner().invoke(cli, ["classify", "--format", "json", str(EXAMPLE)]).output)
    result = CliRunner().invoke(cli, ["classify", "--format", "json", "--corrections", str(corrections),
                                      str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    first = json.loads(result.output)["segments"][0]
    assert first["role"] == "boilerplate" and first["correction"] == {"id": 1, "match": "document"}
    assert plain["segments"][0]["role"] == "main" and plain["segments"][0]["correction"] is None


def test_classify_jsonl_matches_site_scoped_corrections_by_each_records_site(tmp_path):
    line = "Subscribe to the Ledger for the full story"
    corrections = _corrections_file(tmp_path, f"Some story text here.\n{line}\n",
                                    [{"index": 1, "role": "boilerplate"}], site="ledger.example")
    rows = [{"id": "a", "text": f"Another story.\n{line}", "site": "ledger.example"},
            {"id": "b", "text": f"Another story.\n{line}", "site": "elsewhere.example"}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--input-format", "jsonl", "--corrections",
                                      str(corrections), str(src)])
    assert result.exit_code == 0, result.output
    a, b = [json.loads(x) for x in result.output.splitlines()]
    assert a["segments"][1]["correction"] == {"id": None, "match": "line"}
    assert b["segments"][1]["correction"] is None


def test_a_corrections_file_may_give_a_page_whose_blocks_it_corrects(tmp_path):
    page = ("<html><body><article><h1>Ferry timetable approved</h1><p>The council approved the new "
            "timetable on Tuesday.</p><p>Subscribe to the Ledger for the full story</p></article>"
            "</body></html>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    corrections = tmp_path / "c.jsonl"
    corrections.write_text(json.dumps({"html": page, "labels": [{"index": 2, "role": "boilerplate"}]}) + "\n",
                           encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--format", "json", "--input-format", "html",
                                      "--corrections", str(corrections), str(tmp_path / "page.html")])
    assert result.exit_code == 0, result.output
    last = json.loads(result.output)["segments"][2]
    assert last["role"] == "boilerplate" and last["correction"] == {"id": None, "match": "document"}


@pytest.mark.parametrize("content, message", [
    (None, "no such file, expected a corrections file"),
    ("{not json\n", "line 1: malformed JSON"),
    ('{"text": "a", "labels": [{"index": 5, "role": "main"}]}\n', "line 1: block index 5"),
    ('{"html": 5, "labels": []}\n', "line 1: expected an object with a 'text' (or 'html') string"),
])
def test_a_bad_corrections_file_is_one_clear_line(tmp_path, content, message):
    path = tmp_path / "c.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--corrections", str(path), str(EXAMPLE)])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


# --- streams, exit status and terminals (issue 16, items 10-16) ---------------------------------

STARTUP_TIMEOUT_SECONDS = 60   # a fresh Python, the model loaded
RESULT_WITHIN_SECONDS = 5      # a labelled line once the process runs: milliseconds, with room
EOF_HINT = "reading an article from stdin; end with Ctrl-D (or give a FILE)\n"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def newssift(*args: str, **popen) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    return subprocess.Popen([sys.executable, "-m", "newssift", *args], cwd=ROOT, env=env, **popen)


def readline_within(stream, seconds: float) -> bytes:
    ready, _, _ = select.select([stream], [], [], seconds)
    assert ready, f"nothing within {seconds} s"
    return stream.readline()


def test_jsonl_results_come_out_while_a_slow_producer_pauses(tiny_model_dir):
    """(line; sleep; line; sleep) | newssift classify --input-format jsonl -"""
    proc = newssift("classify", "--model", str(tiny_model_dir), "--input-format", "jsonl", "-",
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write(json.dumps({"id": "first", "text": "A headline\nThe story."}).encode() + b"\n")
        proc.stdin.flush()  # ... and the producer sleeps: stdin stays open
        assert json.loads(readline_within(proc.stdout, STARTUP_TIMEOUT_SECONDS))["id"] == "first"
        proc.stdin.write(json.dumps({"id": "second", "text": "Another story."}).encode() + b"\n")
        proc.stdin.flush()
        assert json.loads(readline_within(proc.stdout, RESULT_WITHIN_SECONDS))["id"] == "second"
        proc.stdin.close()
        assert proc.wait(timeout=RESULT_WITHIN_SECONDS) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


class CountingBatches:
    """The real model, noting how many documents each call labels."""

    def __init__(self, model) -> None:
        self.model, self.sizes = model, []

    def segment_many_dicts(self, texts, **kwargs):
        self.sizes.append(len(texts))
        return self.model.segment_many_dicts(texts, **kwargs)


def test_a_stream_that_keeps_up_is_still_labelled_in_full_batches(tiny_model):
    from newssift.classifier.stream import classify_jsonl

    lines = b"".join(json.dumps({"id": i, "text": f"Story {i}.\nIts second line."}).encode() + b"\n"
                     for i in range(300))
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_end, lines), os.close(write_end)))
    writer.start()
    model, out = CountingBatches(tiny_model), io.StringIO()
    with os.fdopen(read_end, "rb") as pipe:
        counts = classify_jsonl(model, pipe, out, batch_size=64)
    writer.join()
    assert counts.labelled == 300 and sum(model.sizes) == 300
    assert model.sizes[1:-1] == [64] * (len(model.sizes) - 2)  # the first may be short, the last is
    in_memory = CountingBatches(tiny_model)  # the benchmark's call: a buffer never pauses
    classify_jsonl(in_memory, io.BytesIO(lines), io.StringIO(), batch_size=64)
    assert in_memory.sizes == [64, 64, 64, 64, 44]
    assert [json.loads(x)["id"] for x in out.getvalue().splitlines()] == list(range(300))


def test_jsonl_lines_without_an_id_are_named_by_source_and_line(run, tmp_path):
    lines = "".join(json.dumps(r) + "\n" for r in [{"id": 3, "text": "An explicit id."},
                                                  {"text": "No id."}, {"text": "Nor here."}])
    result = run("--input-format", "jsonl", "-", input=lines)
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == [3, "stdin:2", "stdin:3"]
    path = tmp_path / "corpus.jsonl"
    path.write_text(lines)
    result = run("--input-format", "jsonl", str(path))
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == [3, f"{path}:2", f"{path}:3"]


def test_jsonl_exit_status_tells_whether_every_line_was_labelled(run):
    good, bad = json.dumps({"text": "A story."}) + "\n", "{oops\n"
    assert run("--input-format", "jsonl", "-", input=good * 2).exit_code == 0
    some = run("--input-format", "jsonl", "-", input=good + bad + good)
    assert some.exit_code == 1 and len(some.stdout.splitlines()) == 3  # the rest still labelled
    assert some.stderr == "newssift: 1 line(s) could not be labelled (2 were); see their error records\n"
    none = run("--input-format", "jsonl", "-", input=bad * 2)
    assert none.exit_code == 2
    assert [json.loads(x)["error"]["line"] for x in none.stdout.splitlines()] == [1, 2]
    assert none.stderr == "newssift: none of the 2 line(s) could be labelled; see their error records\n"
    help_text = " ".join(run("--help").output.split())
    assert "Exit status: 0 every line labelled; 1 some lines got error records" in help_text


def test_format_text_with_jsonl_input_is_refused_in_one_line(run):
    result = run("--input-format", "jsonl", "--format", "text", "-", input='{"text": "A story."}\n')
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("newssift: --format text lists one article;")
    assert result.stderr.count("\n") == 1


def test_an_undecodable_jsonl_line_says_it_is_not_utf8(run):
    raw = b'{"id": 1, "text": "caf\xe9 au lait"}\n'
    result = run("--input-format", "jsonl", "-", input=raw + b'{"id": 2, "text": "Fine."}\n')
    error = json.loads(result.stdout.splitlines()[0])["error"]
    byte = raw.index(b"\xe9")
    assert error == {"code": "invalid_input", "source": "stdin", "line": 1,
                     "message": f"not valid UTF-8 (byte {byte}); re-encode it as UTF-8"}


def test_a_terminal_on_stdin_gets_a_hint_and_a_pipe_does_not(run, tiny_model_dir):
    parent, child = pty.openpty()
    proc = newssift("classify", "--model", str(tiny_model_dir), "--format", "json", stdin=child,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(child)
    try:
        assert readline_within(proc.stderr, STARTUP_TIMEOUT_SECONDS).decode() == EOF_HINT
        os.write(parent, b"A headline\nThe story itself, told in a line.\n\x04")  # Ctrl-D ends it
        out, err = proc.communicate(timeout=STARTUP_TIMEOUT_SECONDS)
        assert proc.returncode == 0 and len(json.loads(out)["segments"]) == 2
    finally:
        proc.kill()
        proc.wait()
        os.close(parent)
    assert run("--format", "json", "-", input="A headline\n").stderr == ""


def test_the_listing_fits_a_60_column_terminal(tiny_model_dir):
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    proc = newssift("classify", "--model", str(tiny_model_dir), str(EXAMPLE), stdout=child,
                    stderr=subprocess.PIPE)
    os.close(child)
    shown = b""
    try:
        while True:
            try:
                data = os.read(parent, 65536)
            except OSError:  # Linux: EIO once the program has closed the terminal
                break
            if not data:
                break
            shown += data
        assert proc.wait(timeout=STARTUP_TIMEOUT_SECONDS) == 0, proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
        os.close(parent)
    text = shown.decode("utf-8")
    lines = ANSI.sub("", text).replace("\r\n", "\n").rstrip("\n").split("\n")
    assert "\x1b[" in text and len(lines) > 10  # a coloured listing, one line per block
    assert max(map(len, lines)) <= 60, [line for line in lines if len(line) > 60]
    assert any(line.endswith("…") for line in lines)  # the text was cut to fit, not wrapped


@pytest.mark.parametrize("flags, env, coloured", [
    ((), {}, True),
    ((), {"NO_COLOR": "1"}, False),
    ((), {"NO_COLOR": ""}, True),         # https://no-color.org: only a non-empty value counts
    (("--no-color",), {}, False),
    (("--color",), {"NO_COLOR": "1"}, True),  # an explicit flag beats the environment
])
def test_colour_follows_no_color_and_the_flags(tiny_model_dir, flags, env, coloured):
    result = CliRunner().invoke(cli, ["classify", "--model", str(tiny_model_dir), "--format", "text",
                                      *flags, str(EXAMPLE)], env=env, color=True)
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.output) == coloured


def test_columns_sets_the_listing_width_off_a_terminal(run):
    result = CliRunner().invoke(cli, ["classify", "--format", "text", str(EXAMPLE)], env={"COLUMNS": "72"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) == 72


# --- one reader, one size limit, one native thread, arguments checked first (issue 21) -----------

def run_newssift(*args: str, env: dict | None = None, timeout: float = STARTUP_TIMEOUT_SECONDS):
    """The command as a user runs it, with no thread variables set unless ``env`` sets them."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NEWSSIFT_PORT")}
    return subprocess.run([sys.executable, "-m", "newssift", *args], cwd=ROOT, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def test_classify_and_clean_refuse_the_same_records_with_the_same_error_record(tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join([
        json.dumps({"id": "good", "text": "A story.\nIts second line."}).encode(),
        json.dumps({"id": True, "text": "An id that is no id."}).encode(),
        json.dumps({"id": {"a": 1}, "text": "Nor is an object."}).encode(),
        b"nonsense",
        json.dumps({"id": "no-text", "body": "The text is elsewhere."}).encode(),
        json.dumps({"id": "site", "text": "A story.", "site": 5}).encode(),
        json.dumps({"id": "big", "text": "x" * 101}).encode(),
        b'{"id": "latin1", "text": "caf\xe9"}',
    ]) + b"\n")
    common = ["--model", str(tiny_model_dir), "--max-document-bytes", "100"]
    classified = run_newssift("classify", "--input-format", "jsonl", *common, str(src))
    cleaned = run_newssift("clean", str(src), "-o", str(tmp_path / "out.jsonl"), "--workers", "1", *common)
    assert (classified.returncode, cleaned.returncode) == (1, 1), (classified.stderr, cleaned.stderr)
    records = [json.loads(line) for line in classified.stdout.splitlines()]
    assert records[0]["id"] == "good" and records[0]["segments"]
    report = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    assert records[1:] == report  # the same records refused, in the same words, the same shape
    assert [(r["id"], r["error"]["code"], r["error"]["line"]) for r in report] == [
        (None, "invalid_input", 2), (None, "invalid_input", 3), (None, "invalid_input", 4),
        ("no-text", "invalid_input", 5), ("site", "invalid_input", 6), ("big", "document_too_large", 7),
        (None, "invalid_input", 8)]
    assert report[2]["error"] == {"code": "invalid_input", "source": str(src), "line": 4,
                                  "message": "malformed JSON at column 1; expected one JSON object a line"}


def test_classify_and_clean_define_their_common_options_once():
    from newssift.classifier.cli import classify
    from newssift.clean.cli import clean

    def option(command, name):
        opt = next(p for p in command.params if name in p.opts)
        return opt.name, opt.help, opt.default, repr(opt.type), opt.envvar, opt.is_flag

    for name in ("--model", "--main-threshold", "--keep-comments", "--corrections", "--text-field",
                 "--id-field", "--site-field", "--max-document-bytes"):
        assert option(classify, name) == option(clean, name), name


def test_a_document_over_the_size_limit_is_refused_in_one_line(run, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("A headline\n" + "word " * 40)
    result = run(str(path), env={"NEWSSIFT_MAX_DOCUMENT_BYTES": "100"})
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"newssift: {path}: larger than 100 bytes, the limit of a document; split it, "
                             "or raise --max-document-bytes (NEWSSIFT_MAX_DOCUMENT_BYTES)\n")
    assert run("--format", "json", "--max-document-bytes", "1000", str(path)).exit_code == 0


# Reports, when the command ends, the thread count of every native library it loaded.
THREADS_PROBE = """
import atexit, json, sys
import threadpoolctl
from newssift.cli import cli
atexit.register(lambda: print(json.dumps([[i["internal_api"], i["num_threads"]]
                                          for i in threadpoolctl.threadpool_info()]), file=sys.stderr))
cli(sys.argv[1:], prog_name="newssift")
"""


def test_classify_runs_on_one_native_thread_with_no_variables_set(tiny_model_dir, tmp_path):
    """A team of OpenMP threads per core halved classify's speed on 2 cores (on a 1-core machine
    this cannot tell the difference)."""
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": f"Story {i}.\nIts second line."}) + "\n"
                           for i in range(3)))
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", THREADS_PROBE, "classify", "--model", str(tiny_model_dir),
                           "--input-format", "jsonl", str(src)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=STARTUP_TIMEOUT_SECONDS)
    assert proc.returncode == 0, proc.stderr
    libraries = json.loads(proc.stderr.splitlines()[-1])
    assert libraries and all(n == 1 for _, n in libraries), libraries  # BLAS, and OpenMP if loaded


def test_serve_with_a_bad_port_is_one_line_and_creates_nothing(tmp_path):
    data = tmp_path / "data"
    for args, env in ((["--port", "99999"], {}), ([], {"NEWSSIFT_PORT": "99999"})):
        result = run_newssift("serve", "--data-dir", str(data), *args, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("newssift: ") and result.stderr.count("\n") == 1, result.stderr
        assert "99999" in result.stderr and not data.exists()


def test_serve_with_missing_training_data_is_one_line_and_creates_nothing(tmp_path):
    """--data (or NEWSSIFT_DATA) is checked at start, not at the first full retrain."""
    data, missing = tmp_path / "data", tmp_path / "no-such-data"
    for args, env in ((["--data", str(missing)], {}), ([], {"NEWSSIFT_DATA": str(missing)})):
        result = run_newssift("serve", "--data-dir", str(data), "--port", "1", *args, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr == (f"newssift: {missing}: no such data directory; pass --data DIR or "
                                 "set NEWSSIFT_DATA to the folder holding blocks/, topics/, articles/\n")
        assert not data.exists()


def test_a_usage_error_is_one_line_naming_the_help(run):
    result = run("--batch-size", "0", str(EXAMPLE))
    assert result.exit_code == 2
    assert result.output == ("newssift: invalid value for '--batch-size': 0 is not in the range "
                             "1<=x<=100000 (see newssift classify --help)\n")


@pytest.mark.parametrize("config", [[], ["--config", "training/configs/tiny.toml"]])
def test_train_with_missing_data_says_so_before_any_progress_bar(tmp_path, config):
    result = run_newssift("train", *config, "--data", str(tmp_path / "none"), "--out", str(tmp_path / "m"))
    assert result.returncode == 2
    assert result.stderr == (f"newssift: {tmp_path / 'none'}: no such data directory; pass --data DIR "
                             "or set NEWSSIFT_DATA\n")
    assert not (tmp_path / "m").exists()
