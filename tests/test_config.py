"""The one Settings object: a typo in drafter.toml is refused with the valid names; the file read is the
working directory's drafter.toml unless DRAFTER_CONFIG names another."""

import pytest

from drafter.config import ConfigError, load_settings


def test_a_typo_in_the_settings_file_is_refused_with_the_valid_names(tmp_path, monkeypatch):
    config = tmp_path / "drafter.toml"
    config.write_text('llm_modle = "qwen-plus"\n', "utf-8")
    monkeypatch.setenv("DRAFTER_CONFIG", str(config))
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "llm_modle" in str(refused.value) and "llm_model" in str(refused.value)


def test_the_working_directorys_settings_file_is_read_unless_another_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drafter.toml").write_text('llm_model = "qwen-plus"\n', "utf-8")
    assert load_settings().llm_model == "deepseek-chat"  # the suite points DRAFTER_CONFIG elsewhere
    monkeypatch.delenv("DRAFTER_CONFIG")
    assert load_settings().llm_model == "qwen-plus"
