from pathlib import Path

import pytest

from newssift.classifier.errors import InvalidInput
from newssift.service.settings import SETTINGS, load_settings, settings_markdown


def test_defaults_put_everything_in_the_data_dir(tmp_path):
    s = load_settings({"data_dir": tmp_path}, environ={})
    assert s["db"] == tmp_path / "newssift.sqlite3"
    assert s["model_dir"] == tmp_path / "models"
    assert s["max_bytes"] == 2 * 1024 * 1024
    assert s["api_token"] is None and s["insecure_dev"] is False


def test_environment_then_overrides(tmp_path):
    env = {"NEWSSIFT_DATA_DIR": str(tmp_path), "NEWSSIFT_MAX_BYTES": "100",
           "NEWSSIFT_INSECURE_DEV": "yes", "NEWSSIFT_API_TOKEN": "t"}
    s = load_settings({"max_bytes": 50}, environ=env)
    assert s["data_dir"] == Path(tmp_path)
    assert s["max_bytes"] == 50 and s["insecure_dev"] is True and s["api_token"] == "t"


@pytest.mark.parametrize("overrides, match", [
    ({"max_byts": 1}, "unknown service setting"),
    ({"max_bytes": "lots"}, "max_bytes"),
    ({"insecure_dev": "maybe"}, "insecure_dev"),
    ({"workers": 0}, "at least 1"),
])
def test_bad_settings_say_which(overrides, match, tmp_path):
    with pytest.raises(InvalidInput, match=match):
        load_settings({"data_dir": tmp_path, **overrides}, environ={})


def test_every_setting_is_documented_in_the_service_docs():
    table = settings_markdown()
    for s in SETTINGS:
        assert f"`{s.env}`" in table and s.help in table
    doc = (Path(__file__).resolve().parent.parent / "docs" / "service.md").read_text(encoding="utf-8")
    assert f"<!-- settings:start -->\n{table}<!-- settings:end -->" in doc, \
        "regenerate the table in docs/service.md: python -m newssift.service.settings"
