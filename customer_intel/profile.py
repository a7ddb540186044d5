"""Connection settings from the dbt profile: the one source of truth for where the warehouse is.

The scripts never keep a second copy of host/port/path settings. They read the same ``profiles.yml`` that dbt
reads (``DBT_PROFILES_DIR``, else the current directory, else ``~/.dbt``), pick the profile named in
``dbt_project.yml`` and the target the user selected (``--target``, else the profile's default, which itself
honours ``DBT_TARGET``), and render ``env_var()`` the way dbt does.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ProfileError(Exception):
    """A profile or target that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Target:
    name: str
    type: str
    schema: str
    settings: dict[str, Any] = field(repr=False)

    @property
    def duckdb_path(self) -> str:
        return str(self.settings.get("path", ":memory:"))

    def postgres_dsn(self) -> dict[str, Any]:
        s = self.settings
        return {
            "host": s.get("host", "localhost"),
            "port": int(s.get("port", 5432)),
            "user": s.get("user"),
            "password": s.get("password") or None,
            "dbname": s.get("dbname") or s.get("database"),
        }

    @property
    def spark_method(self) -> str:
        """How dbt-spark reaches Spark: session (in-process), thrift, http or odbc."""
        return str(self.settings.get("method", ""))

    @property
    def spark_conf(self) -> dict[str, str]:
        """The target's ``server_side_parameters``: the Spark configuration dbt-spark's session method builds its
        SparkSession with (and sends as session settings over thrift/http)."""
        parameters = self.settings.get("server_side_parameters") or {}
        return {str(key): str(value) for key, value in parameters.items()}


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise ProfileError(f"profile: environment variable {name} is not set and has no default")
    return default


def _render(value: Any, env: jinja2.Environment) -> Any:
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        rendered = env.from_string(value).render()
        if isinstance(rendered, str):
            return _coerce(rendered)
        return rendered
    if isinstance(value, dict):
        return {k: _render(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, env) for v in value]
    return value


def _coerce(text: str) -> Any:
    """dbt's as_number filter yields a number; rendered text that is a plain integer is taken as one."""
    stripped = text.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    return text


def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    env.filters["as_number"] = lambda v: v
    env.filters["as_text"] = lambda v: v
    env.filters["as_bool"] = lambda v: v
    return env


def profiles_path() -> Path:
    candidates = []
    if os.environ.get("DBT_PROFILES_DIR"):
        candidates.append(Path(os.environ["DBT_PROFILES_DIR"]))
    candidates += [Path.cwd(), PROJECT_ROOT, Path.home() / ".dbt"]
    for folder in candidates:
        path = folder / "profiles.yml"
        if path.is_file():
            return path
    raise ProfileError(
        "profile: no profiles.yml found (copy profiles.yml.example to profiles.yml, or set DBT_PROFILES_DIR)"
    )


def _project(project_dir: Path) -> dict[str, Any]:
    with open(project_dir / "dbt_project.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def profile_name(project_dir: Path = PROJECT_ROOT) -> str:
    return _project(project_dir)["profile"]


def project_var(name: str, project_dir: Path = PROJECT_ROOT) -> Any:
    """The value of dbt var ``name`` as ``dbt_project.yml`` sets it (its ``vars:``), the one place the scripts and
    dbt share it. A ``--vars`` given to one dbt command is not seen here: settings both need belong in the file."""
    variables = _project(project_dir).get("vars") or {}
    if name not in variables:
        raise ProfileError(f"dbt_project.yml: var '{name}' is not set under vars:")
    return variables[name]


def load_target(target: str | None = None, path: Path | None = None) -> Target:
    """The dbt target ``target`` (or the profile's default) with env_var() rendered."""
    path = path or profiles_path()
    try:
        with open(path, encoding="utf-8") as fh:
            profiles = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise ProfileError(f"profile: {path} is not valid YAML ({exc.__class__.__name__})") from exc
    name = profile_name()
    if name not in profiles:
        raise ProfileError(f"profile: {path} has no profile named '{name}'")
    env = _jinja()
    profile = profiles[name]
    target_name = target or _render(profile.get("target", "dev"), env)
    outputs = profile.get("outputs", {})
    if target_name not in outputs:
        known = ", ".join(sorted(outputs)) or "none"
        raise ProfileError(f"profile: unknown target '{target_name}' (known targets: {known})")
    settings = _render(outputs[target_name], env)
    kind = settings.get("type")
    return Target(name=str(target_name), type=str(kind), schema=str(settings.get("schema", "main")), settings=settings)
