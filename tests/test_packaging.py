"""`pip install .` (the Docker image) must carry every data file the code reads."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_package_data_covers_every_data_file() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    for package in ("service", "guardrails"):
        root = REPO / package
        shipped = {path for pattern in package_data.get(package, []) for path in root.glob(pattern)}
        on_disk = {
            path
            for path in root.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc")
        }
        missing = sorted(str(p.relative_to(REPO)) for p in on_disk - shipped)
        assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"


def test_docker_compose_runs_the_service_on_postgresql_with_the_kb_mounted() -> None:
    """The compose file as the README shows it (no Docker daemon in CI: read, not run)."""
    import yaml

    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    db, app = compose["services"]["db"], compose["services"]["replydesk"]
    assert db["image"].startswith("postgres:") and "pg_isready" in " ".join(
        db["healthcheck"]["test"]
    )
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    url = app["environment"]["REPLYDESK_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    assert "./knowledge_base:/app/knowledge_base:ro" in app["volumes"]
    assert app["healthcheck"]["start_period"] and "/readyz" in " ".join(app["healthcheck"]["test"])
    assert "REPLYDESK_MIGRATE_ON_START" not in app["environment"]  # the service migrates itself
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "--start-period=" in dockerfile
