"""API keys of the sources: which setting holds each, and the line to print when it is empty."""

from __future__ import annotations

from typing import Any

from sources.registry import SourceSpec


def missing_key_message(spec: SourceSpec, settings: Any) -> str | None:
    """None when ``spec`` needs no key or has one; else one line saying how to provide it.

    ``settings`` is the pipeline's Settings (keys are ``SecretStr`` fields named by the
    source's ``api_key``, read from ``FEZ_<NAME>``). A replay needs no key: do not call this
    for ``--replay`` runs.
    """
    if not spec.api_key:
        return None
    if not hasattr(settings, spec.api_key):
        return f"{spec.name}: skipped, its api_key names no setting ({spec.api_key})"
    secret = getattr(settings, spec.api_key)
    value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    if value and str(value).strip():
        return None
    return f"{spec.name}: skipped, no API key (set FEZ_{spec.api_key.upper()})"
