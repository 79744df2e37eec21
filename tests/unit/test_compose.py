"""Issue 17, finding 5: the compose file holds no password; PostgreSQL and Redis take theirs from
the environment (.env), with no default that would start a production stack on a known password,
and Redis asks every client for it, the bot and the health check included.

Issue 16, point 4: the file is valid against the compose-spec schema (there is no Docker here for
`docker compose config`; check-jsonschema ships the schema, so the check runs offline), and the
monitoring profile adds Prometheus, Alertmanager and Grafana wired to the bot and to each other
with files that are in the repository."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = sorted(
    path
    for pattern in ("docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml")
    for path in ROOT.glob(pattern)
)
# ${NAME:?message}: compose stops with the message when NAME is unset or empty.
REQUIRED = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]*\}$")
SECRET_WORDS = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|REDISCLI_AUTH|API_KEY", re.IGNORECASE)
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@]*:(?P<password>[^@]*)@", re.IGNORECASE)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "- NAME=value" form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): str(value) for key, value in env.items()}


def services(path: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return dict(data["services"])


def required_variable(value: str) -> str | None:
    match = REQUIRED.match(value)
    return match.group("name") if match else None


def test_there_is_a_compose_file() -> None:
    assert [path.name for path in COMPOSE_FILES] == ["docker-compose.yml"]


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_no_literal_password_and_no_default_one(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # A default (${X:-devbot}, ${X-devbot}) would start production on a password in this file.
    assert re.findall(r"\$\{[A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|KEY)[A-Z0-9_]*:?[-=+]", text) == []
    for name, service in services(path).items():
        for key, value in environment(service).items():
            if key.endswith("_FILE") and value.startswith("/"):
                continue  # the path of a mounted file that holds the secret, not the secret
            if SECRET_WORDS.search(key):
                assert required_variable(value), f"{name}.{key} is not a required variable"
            url = URL_PASSWORD.match(value)
            if url is not None:
                password = url.group("password")
                assert required_variable(password), f"{name}.{key} has a literal password"


def test_redis_requires_the_password_the_bot_and_the_health_check_use() -> None:
    compose = services(ROOT / "docker-compose.yml")
    redis = compose["redis"]
    command = redis["command"]
    if isinstance(command, str):
        command = command.split()
    assert "--requirepass" in command
    password = command[command.index("--requirepass") + 1]
    assert required_variable(password) == "REDIS_PASSWORD"

    redis_url = environment(compose["bot"])["REDIS_URL"]
    match = URL_PASSWORD.match(redis_url)
    assert match is not None, "the bot's REDIS_URL carries no password"
    assert required_variable(match.group("password")) == "REDIS_PASSWORD"
    assert redis_url.endswith("@redis:6379/0")

    # redis-cli answers NOAUTH (and exits 0) without the password: the check must send it and
    # look for PONG.
    assert required_variable(environment(redis)["REDISCLI_AUTH"]) == "REDIS_PASSWORD"
    assert "PONG" in " ".join(redis["healthcheck"]["test"])
    assert "ports" not in redis and "ports" not in compose["postgres"]


def test_postgres_and_the_bot_share_the_required_password() -> None:
    compose = services(ROOT / "docker-compose.yml")
    postgres = environment(compose["postgres"])
    assert required_variable(postgres["POSTGRES_PASSWORD"]) == "POSTGRES_PASSWORD"
    match = URL_PASSWORD.match(environment(compose["bot"])["DATABASE_URL"])
    assert match is not None
    assert required_variable(match.group("password")) == "POSTGRES_PASSWORD"


def test_env_example_documents_the_compose_passwords_empty() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert re.search(rf"^{name}=$", text, re.MULTILINE), f"{name} missing or not empty"


# --- Issue 16, point 4: the schema and the monitoring profile ------------------------------------
MONITORING = {"prometheus", "alertmanager", "grafana"}


def compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(vendored.joinpath("compose-spec.json").read_text("utf-8"))
    return schema


def schema_errors(data: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [
        f"{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(data)
    ]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Bind mounts as {path in the container: path on the host}; named volumes are left out."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume["target"]
        else:
            source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            found[target] = source
    return found


def in_container(service: dict[str, Any], path: str) -> Path | None:
    """The repository file a path inside the service's container is, None if none is mounted."""
    wanted = PurePosixPath(path)
    for target, source in mounts(service).items():
        if wanted == PurePosixPath(target) or PurePosixPath(target) in wanted.parents:
            return ROOT / source / wanted.relative_to(target)
    return None


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda path: path.name)
def test_the_compose_file_is_valid_against_the_compose_spec(path: Path) -> None:
    assert compose_schema()["$id"] == "compose_spec.json"
    assert schema_errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (lambda c: c["services"]["grafana"].update(profile=["monitoring"]), "'profile' was"),
        (lambda c: c["services"]["bot"].update(ports="127.0.0.1:8080:8080"), "is not of type"),
        (
            lambda c: c["services"]["bot"]["depends_on"]["redis"].update(condition="up"),
            "'up'}} is not valid",
        ),
        (lambda c: c.update(volume={}), "'volume' does not match"),
    ],
    ids=["misspelt key", "a string for a list", "no such condition", "unknown top-level key"],
)
def test_a_broken_compose_file_fails_the_schema_check(breaks: Any, expected: str) -> None:
    data = copy.deepcopy(compose())
    breaks(data)
    errors = schema_errors(data)
    assert any(expected in error for error in errors), errors


def test_the_monitoring_profile_adds_prometheus_alertmanager_and_grafana() -> None:
    services = compose()["services"]
    profiled = {name for name, service in services.items() if service.get("profiles")}
    assert profiled == MONITORING
    for name in MONITORING:
        assert services[name]["profiles"] == ["monitoring"]
        assert ":latest" not in services[name]["image"] and ":" in services[name]["image"]
    # The profile's services depend on nothing outside it but the bot (plain `up` stays as it was).
    for name in MONITORING:
        assert set(services[name].get("depends_on", [])) <= MONITORING | {"bot"}


def test_every_mounted_file_is_in_the_repository() -> None:
    for name, service in compose()["services"].items():
        for target, source in mounts(service).items():
            assert source.startswith("./"), f"{name}: {source} is outside the repository"
            assert (ROOT / source).exists(), f"{name}: {source} (for {target}) does not exist"


def test_ports_are_published_on_localhost_only_and_the_webhook_port_not_at_all() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} to every host"
    assert services["bot"]["ports"] == ["127.0.0.1:8080:8080"]


def test_prometheus_scrapes_the_bot_on_its_http_port_with_the_rules_loaded() -> None:
    services = compose()["services"]
    prometheus = services["prometheus"]
    config_path = next(
        arg.split("=", 1)[1] for arg in prometheus["command"] if arg.startswith("--config.file=")
    )
    config_file = in_container(prometheus, config_path)
    assert config_file == ROOT / "deploy" / "prometheus" / "prometheus.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))

    # The rules: each rule file, relative to the config's directory, is mounted.
    assert config["rule_files"] == ["alerts.yml"]
    for rules in config["rule_files"]:
        path = in_container(prometheus, str(PurePosixPath(config_path).parent / rules))
        assert path == ROOT / "deploy" / "prometheus" / "alerts.yml"

    # The bot, on its operators' port (HTTP_PORT), as job "devbot" (the rules select it).
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "devbot"]
    assert job["metrics_path"] == "/metrics"
    (target,) = [t for static in job["static_configs"] for t in static["targets"]]
    host, port = target.split(":")
    assert host == "bot" and port == environment(services["bot"])["HTTP_PORT"]
    assert port != "8081"  # WEBHOOK_PORT's default: the public one

    (alerting,) = config["alerting"]["alertmanagers"]
    (alertmanager,) = [t for static in alerting["static_configs"] for t in static["targets"]]
    assert alertmanager.split(":")[0] == "alertmanager"


def test_alertmanager_reads_its_config_and_its_secret_files_from_mounts() -> None:
    service = compose()["services"]["alertmanager"]
    config_file = in_container(service, "/etc/alertmanager/alertmanager.yml")
    assert config_file == ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
    text = config_file.read_text(encoding="utf-8")
    secret_files = re.findall(r"_file: (\S+)", text)
    assert len(secret_files) >= 2
    for path in secret_files:
        # In a mounted folder the operator fills (with its README), not in the repository.
        folder = in_container(service, str(PurePosixPath(path).parent))
        assert folder is not None and (folder / "README.md").is_file(), path
        assert PurePosixPath(path).name in (folder / "README.md").read_text(encoding="utf-8")


def test_grafana_provisions_the_prometheus_data_source_and_the_dashboard() -> None:
    services = compose()["services"]
    grafana = services["grafana"]
    provisioning = in_container(grafana, "/etc/grafana/provisioning")
    assert provisioning == ROOT / "deploy" / "grafana" / "provisioning"

    (source,) = yaml.safe_load(
        (provisioning / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )["datasources"]
    assert source["type"] == "prometheus" and source["isDefault"] is True
    url = urlsplit(source["url"])
    assert url.hostname == "prometheus" and url.port == 9090
    assert "127.0.0.1:9090:9090" in services["prometheus"]["ports"]

    (provider,) = yaml.safe_load(
        (provisioning / "dashboards" / "devbot.yml").read_text(encoding="utf-8")
    )["providers"]
    assert provider["type"] == "file"
    dashboard = in_container(grafana, f"{provider['options']['path']}/devbot.json")
    assert dashboard == ROOT / "deploy" / "grafana" / "devbot.json"
    # The dashboard's queries go to a data source of the provisioned type.
    variables = json.loads(dashboard.read_text(encoding="utf-8"))["templating"]["list"]
    assert {"type": "datasource", "query": source["type"]}.items() <= variables[0].items()

    # The admin password is a file in a mounted folder, with its README; nobody signs up.
    env = environment(grafana)
    password = env["GF_SECURITY_ADMIN_PASSWORD__FILE"]
    folder = in_container(grafana, str(PurePosixPath(password).parent))
    assert folder is not None and (folder / "README.md").is_file()
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"


def test_secret_folders_commit_only_their_readme() -> None:
    for folder in ("deploy/alertmanager/secrets", "deploy/grafana/secrets", "deploy/k8s/secrets"):
        ignore = (ROOT / folder / ".gitignore").read_text(encoding="utf-8").split()
        assert ignore[ignore.index("*") :] == ["*", "!.gitignore", "!README.md"], folder
