"""Every setting of the pipeline, read from the environment (prefix ``FEZ_``) or a ``.env`` file.

The README lists each one with its environment variable; ``tests/test_docs.py`` fails when a
setting is added here without being documented there.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

DEFAULT_SECRET_PARAMS = ["serviceKey", "apiKey", "crtfcKey", "authKey"]
ENV_PREFIX = "FEZ_"


class InvalidSettingError(ValueError):
    """A setting with a value the pipeline cannot use; the message is one line naming it."""


def _env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def _one_line(exc: ValidationError | SettingsError) -> str:
    """The first bad setting as ``FEZ_NAME: reason (got 'value')``; keys are never echoed."""
    if isinstance(exc, SettingsError):
        # pydantic-settings fails before validation when a list or dict setting is not JSON.
        field = str(exc).split('"')[1] if str(exc).count('"') >= 2 else "?"
        return f'{_env_name(field)}: not valid JSON (expected a JSON list, e.g. ["key"])'
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    shown = "" if field.endswith("_key") else f" (got {first.get('input')!r})"
    return f"{_env_name(field)}: {first['msg']}{shown}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", allow_inf_nan=False
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except (ValidationError, SettingsError) as exc:
            raise InvalidSettingError(_one_line(exc)) from None

    data_dir: Path = Field(Path("data"), description="Root of everything the pipeline writes.")
    warehouse_path: Path | None = Field(
        None, description="DuckDB warehouse file; default <data_dir>/warehouse.duckdb."
    )
    user_agent: str = Field(
        "asv-fez-pipeline/0.1 (+https://github.com/asv-fez/asv-fez-pipeline)",
        min_length=1,
        description="User-Agent sent to every site: names the project and a contact URL.",
    )
    min_interval: float = Field(
        1.0, ge=0, description="Default seconds between requests to one host."
    )
    max_in_flight_per_host: int = Field(
        1, ge=1, description="Default concurrent requests per host."
    )
    max_concurrency: int = Field(8, ge=1, description="Concurrent requests across all hosts.")
    fetch_processes: int = Field(
        1,
        ge=1,
        description="Host groups crawled at once by the processes or dask task runner.",
    )
    task_runner: Literal["threads", "processes", "dask"] = Field(
        "threads",
        description="Prefect task runner of the crawl: threads, processes or dask.",
    )
    dask_address: str | None = Field(
        None,
        description="Dask scheduler for the dask runner (tcp://host:8786); default a local one.",
    )
    keep_releases: int = Field(
        30, ge=1, description="Releases kept under published/; the one latest points to stays."
    )
    min_free_mb: int = Field(
        100, ge=0, description="Free space (MB) a run needs to publish; less fails at its start."
    )
    connect_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a connection.")
    read_timeout: float = Field(30.0, gt=0, description="Seconds to wait for data on a connection.")
    max_body_bytes: int = Field(20_000_000, ge=1, description="Largest response body accepted.")
    max_retry_wait: float = Field(
        600.0, ge=0, description="A Retry-After longer than this defers the host to the next run."
    )
    secret_params: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SECRET_PARAMS),
        description="Query parameters redacted before anything is written or logged.",
    )
    writer_wait: float = Field(
        300.0,
        ge=0,
        description="Seconds a run waits for another writing run before it ends skipped.",
    )
    exit_grace: float = Field(
        10.0,
        gt=0,
        le=600,
        description="Seconds a stopped run (SIGTERM, SIGINT) has to end before it is ended.",
    )
    unhealthy_after: int = Field(
        3, ge=1, description="Failed runs in a row after which a source is unhealthy."
    )
    notify_urls: list[SecretStr] = Field(
        default_factory=list,
        description="Apprise URLs notified of failed runs, unhealthy sources, matching calls.",
    )
    notify_keywords: list[str] = Field(
        default_factory=list,
        description="Words that make a new open call worth a notification (JSON list).",
    )
    kosis_api_key: SecretStr | None = Field(None, description="KOSIS OpenAPI key.")
    datagokr_service_key: SecretStr | None = Field(
        None, description="data.go.kr / odcloud service key (the Decoding key)."
    )
    ecos_api_key: SecretStr | None = Field(None, description="Bank of Korea ECOS key.")
    bizinfo_api_key: SecretStr | None = Field(None, description="Bizinfo crtfcKey.")
    as_of: date | None = Field(
        None,
        description="Compute announcement statuses for this day (00:00 KST), not the run's start.",
    )

    @cached_property
    def warehouse(self) -> Path:
        return (self.warehouse_path or self.data_dir / "warehouse.duckdb").absolute()

    @property
    def raw_dir(self) -> Path:
        return self.data_dir.absolute() / "raw"

    @property
    def published_dir(self) -> Path:
        return self.data_dir.absolute() / "published"

    def api_keys(self) -> dict[str, SecretStr | None]:
        """The API keys by setting name, for redaction and for `fez doctor`."""
        return {
            "kosis_api_key": self.kosis_api_key,
            "datagokr_service_key": self.datagokr_service_key,
            "ecos_api_key": self.ecos_api_key,
            "bizinfo_api_key": self.bizinfo_api_key,
        }

    def secret_values(self) -> list[str]:
        return [k.get_secret_value() for k in self.api_keys().values() if k]
