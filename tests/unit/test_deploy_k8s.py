"""deploy/k8s: every manifest is valid against the Kubernetes schemas (kubernetes-validate with
the schemas it bundles, offline; strict: an unknown or misspelt field is an error), and the
manifests agree with each other and with the bot: the probes name the container's ports, the
Services select the Deployment's pods, the HPA and the PDB aim at it, the Ingress routes
WEBHOOK_PATH alone, every variable is one the settings read, and no secret is written in the
repository (issue 16, point 5)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from bot.config import SECRET_VARIABLES, variable_names

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
# The oldest Kubernetes the manifests claim (autoscaling/v2, policy/v1, ...) and the newest
# kubernetes-validate bundles.
VERSIONS = ("1.27.0", kubernetes_validate.latest_version())
SECRET_MOUNT = "/run/secrets/devbot"

Doc = dict[str, Any]


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def load(paths: list[Path] | None = None) -> list[Doc]:
    docs: list[Doc] = []
    for path in paths or manifest_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append(doc)
    return docs


def kustomization() -> Doc:
    data: Doc = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    return data


def one(docs: list[Doc], kind: str, name: str | None = None) -> Doc:
    found = [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def pod_specs(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            yield f"{doc['kind']} {doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def schema_problems(docs: list[Doc]) -> list[str]:
    problems = []
    for doc in docs:
        name = f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}"
        for version in VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                path = "/".join(str(part) for part in exc.absolute_path)
                problems.append(f"{name} ({version}): {path}: {exc.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{name} ({version}): no such kind or apiVersion")
    return problems


def _env(container: Doc, config: dict[str, str]) -> dict[str, str]:
    env = dict(config) if container.get("envFrom") else {}
    env.update({item["name"]: item.get("value", "") for item in container.get("env", [])})
    return env


def _ports(container: Doc) -> dict[str, int]:
    """The container's ports by name."""
    return {port["name"]: port["containerPort"] for port in container.get("ports", [])}


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


class Bot:
    """The Deployment's pods, as the other manifests refer to them."""

    def __init__(self, docs: list[Doc]) -> None:
        self.config: dict[str, str] = one(docs, "ConfigMap", "devbot-config")["data"]
        self.deployment = one(docs, "Deployment", "devbot")
        self.template: Doc = self.deployment["spec"]["template"]
        self.labels: dict[str, str] = self.template["metadata"]["labels"]
        (self.container,) = self.template["spec"]["containers"]
        self.ports = _ports(self.container)

    def port(self, name_or_number: int | str) -> int | str:
        return self.ports.get(str(name_or_number), name_or_number)

    def selects(self, selector: dict[str, str]) -> bool:
        return selector.items() <= self.labels.items()


def reference_problems(docs: list[Doc]) -> list[str]:
    bot = Bot(docs)
    return [
        *_config_problems(bot),
        *_deployment_problems(bot),
        *(
            problem
            for where, spec in pod_specs(docs)
            for problem in _pod_problems(bot, where, spec)
        ),
        *_files_problems(bot, docs),
        *_network_problems(bot, docs),
        *_scaling_problems(bot, docs),
        *(
            f"Secret {doc['metadata']['name']}: a literal secret in the repository"
            for doc in docs
            if doc["kind"] == "Secret" and (doc.get("data") or doc.get("stringData"))
        ),
    ]


def _config_problems(bot: Bot) -> Iterator[str]:
    for name in sorted(set(bot.config) - variable_names()):
        yield f"ConfigMap: {name} is no setting"
    for name in sorted(set(bot.config) & set(SECRET_VARIABLES)):
        yield f"ConfigMap: {name} is a secret: it belongs in the Secret, as a file"


def _deployment_problems(bot: Bot) -> Iterator[str]:
    spec, container = bot.deployment["spec"], bot.container
    if spec["replicas"] < 2:
        yield "Deployment: fewer than 2 replicas"
    if not bot.selects(spec["selector"]["matchLabels"]):
        yield "Deployment: its selector does not match its pods' labels"
    if container.get("args") != ["run", "--webhook"]:
        yield "Deployment: the bot does not run in webhook mode"
    http_port = int(bot.config.get("HTTP_PORT", 8080))
    if bot.ports.get("http") != http_port:
        yield "Deployment: the http port is not HTTP_PORT"
    if bot.ports.get("webhook") != int(bot.config.get("WEBHOOK_PORT", 8081)):
        yield "Deployment: the webhook port is not WEBHOOK_PORT"
    for probe, path in (
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
        ("startupProbe", "/healthz"),
    ):
        get = container.get(probe, {}).get("httpGet", {})
        # The operators' port only: the webhook port is public.
        if get.get("path") != path or bot.port(get.get("port", "")) != http_port:
            yield f"Deployment: {probe} is not {path} on the http port (HTTP_PORT)"
    resources = container.get("resources", {})
    if not resources.get("requests") or not resources.get("limits"):
        yield "Deployment: no resource requests and limits"


def _pod_problems(bot: Bot, where: str, spec: Doc) -> Iterator[str]:
    volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
    pod_security = spec.get("securityContext", {})
    if spec.get("automountServiceAccountToken") is not False:
        yield f"{where}: mounts a service account token it does not use"
    if where.startswith("Job") and spec["containers"][0].get("args") != ["migrate"]:
        yield f"{where}: does not run `python -m bot migrate`"
    for container in spec["containers"]:
        security = container.get("securityContext", {})
        if not (pod_security.get("runAsNonRoot") or security.get("runAsNonRoot")):
            yield f"{where}: may run as root"
        if security.get("readOnlyRootFilesystem") is not True:
            yield f"{where}: the root filesystem is writable"
        if security.get("allowPrivilegeEscalation") is not False:
            yield f"{where}: privilege escalation allowed"
        if security.get("capabilities", {}).get("drop") != ["ALL"]:
            yield f"{where}: capabilities not dropped"
        if container.get("image") != bot.container["image"]:
            yield f"{where}: not the bot's image"
        env = _env(container, bot.config)
        for name in sorted(set(env) - variable_names()):
            yield f"{where}: {name} is no setting"
        for name in sorted(set(env) & set(SECRET_VARIABLES)):
            yield f"{where}: {name} as a value; give {name}_FILE"
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        for path, volume in mounts.items():
            if volume not in volumes:
                yield f"{where}: mounts {path} from no volume"
        secret = volumes.get(mounts.get(SECRET_MOUNT, ""), {}).get("secret", {})
        keys = {item["path"] for item in secret.get("items", [])} or secret_keys()
        for name, value in sorted(env.items()):
            if name.endswith("_FILE") and (
                str(Path(value).parent) != SECRET_MOUNT or Path(value).name not in keys
            ):
                yield f"{where}: {name} is no file of the secret volume"


def _files_problems(bot: Bot, docs: list[Doc]) -> Iterator[str]:
    mounts = {m["mountPath"]: m["name"] for m in bot.container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in bot.template["spec"].get("volumes", [])}
    volume = volumes.get(mounts.get(bot.config.get("FILES_DIR", ""), ""), {})
    claim = volume.get("persistentVolumeClaim", {}).get("claimName")
    claims = {d["metadata"]["name"]: d for d in docs if d["kind"] == "PersistentVolumeClaim"}
    if claim not in claims:
        yield "Deployment: FILES_DIR is not on a PersistentVolumeClaim"
    elif claims[claim]["spec"]["accessModes"] != ["ReadWriteMany"]:
        yield f"PersistentVolumeClaim {claim}: not ReadWriteMany (replicas on several nodes)"


def _network_problems(bot: Bot, docs: list[Doc]) -> Iterator[str]:
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for name, service in services.items():
        if not bot.selects(service["spec"]["selector"]):
            yield f"Service {name}: selects no pod of the Deployment"
        for port in service["spec"]["ports"]:
            if bot.port(port["targetPort"]) not in bot.ports.values():
                yield f"Service {name}: targetPort {port['targetPort']} is no container port"

    ingress = one(docs, "Ingress")
    host = urlsplit(bot.config.get("WEBHOOK_URL", "")).hostname
    for rule in ingress["spec"]["rules"]:
        if rule.get("host") != host:
            yield f"Ingress: host {rule.get('host')} is not WEBHOOK_URL's"
        for path in rule["http"]["paths"]:
            if (path["path"], path["pathType"]) != (bot.config.get("WEBHOOK_PATH"), "Exact"):
                yield f"Ingress: {path['path']} is more than the webhook path"
            backend = path["backend"]["service"]
            wanted = backend["port"]
            target = services.get(backend["name"], {"spec": {"ports": []}})
            ports = [
                port
                for port in target["spec"]["ports"]
                if ("name" in wanted and port.get("name") == wanted["name"])
                or port["port"] == wanted.get("number")
            ]
            if len(ports) != 1 or bot.port(ports[0]["targetPort"]) != bot.ports.get("webhook"):
                yield f"Ingress: {backend['name']} {wanted} is not the webhook port"


def _scaling_problems(bot: Bot, docs: list[Doc]) -> Iterator[str]:
    hpa = one(docs, "HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    if (target["kind"], target["name"]) != ("Deployment", bot.deployment["metadata"]["name"]):
        yield "HorizontalPodAutoscaler: does not scale the Deployment"
    if (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) != (2, 10):
        yield "HorizontalPodAutoscaler: not 2 to 10 replicas"
    pdb = one(docs, "PodDisruptionBudget")
    if not bot.selects(pdb["spec"]["selector"]["matchLabels"]):
        yield "PodDisruptionBudget: selects no pod of the Deployment"


def secret_keys() -> set[str]:
    """The keys of the generated Secret (kustomization.yaml's secretGenerator)."""
    keys = set()
    for generator in kustomization().get("secretGenerator", []):
        for item in generator.get("files", []):
            keys.add(item.split("=", 1)[0] if "=" in item else Path(item).name)
    return keys


def test_every_manifest_is_valid_against_the_kubernetes_schemas() -> None:
    docs = load()
    kinds = {doc["kind"] for doc in docs}
    assert {
        "Deployment", "Service", "Ingress", "ConfigMap", "PersistentVolumeClaim", "Job",
        "PodDisruptionBudget", "HorizontalPodAutoscaler",
    } <= kinds  # fmt: skip
    assert schema_problems(docs) == []


def test_the_manifests_agree_with_each_other_and_with_the_settings() -> None:
    assert reference_problems(load()) == []


def test_the_kustomization_lists_every_manifest_and_makes_the_secret_from_files() -> None:
    data = kustomization()
    assert sorted(data["resources"]) == [path.name for path in manifest_files()]
    (generator,) = data["secretGenerator"]
    assert generator["name"] == "devbot-secrets"
    # Files only: `literals` or `envs` would put the secret values in the repository.
    assert set(generator) <= {"name", "type", "files", "options"}
    paths = [item.split("=", 1)[-1] for item in generator["files"]]
    assert all(path.startswith("secrets/") for path in paths)
    # The files are never committed: git ignores everything in secrets/ but its README.
    ignore = (K8S / "secrets" / ".gitignore").read_text(encoding="utf-8").split()
    assert ignore[ignore.index("*") :] == ["*", "!.gitignore", "!README.md"]
    # Every secret the bot reads has its file; the README documents each.
    variables = {f"{Path(path).name.upper()}" for path in paths}
    assert variables == set(SECRET_VARIABLES)
    readme = (K8S / "secrets" / "README.md").read_text(encoding="utf-8")
    for path in paths:
        assert f"`{Path(path).name}`" in readme


def test_no_secret_value_is_written_in_the_manifests() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(K8S.rglob("*.yaml")))
    assert not re.search(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}", text)  # a bot token
    assert not re.search(r"://[^\s:/@]*:[^\s@]+@", text)  # a password in a URL


# The checks find what they look for: each broken copy of a manifest is reported.
def _break_schema(docs: list[Doc]) -> None:
    one(docs, "Deployment")["spec"]["replicas"] = "two"


def _misspell_a_field(docs: list[Doc]) -> None:
    bot = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    bot["readinesProbe"] = bot.pop("readinessProbe")


@pytest.mark.parametrize("breaks", [_break_schema, _misspell_a_field], ids=["type", "field"])
def test_a_manifest_broken_against_the_schema_is_found(breaks: Any) -> None:
    docs = copy.deepcopy(load())
    breaks(docs)
    assert any(problem.startswith("Deployment devbot") for problem in schema_problems(docs))


def _containers(docs: list[Doc], kind: str = "Deployment") -> list[Doc]:
    containers: list[Doc] = one(docs, kind)["spec"]["template"]["spec"]["containers"]
    return containers


BROKEN: dict[str, tuple[Any, str]] = {
    "probe on the webhook port": (
        lambda docs: _containers(docs)[0]["readinessProbe"]["httpGet"].update(port="webhook"),
        "readinessProbe is not /readyz on the http port",
    ),
    "probe port that does not exist": (
        lambda docs: _containers(docs)[0]["ports"][1].update(name="health"),
        "livenessProbe is not /healthz on the http port",
    ),
    "service selecting other pods": (
        lambda docs: one(docs, "Service", "devbot-webhook")["spec"]["selector"].update(
            {"app.kubernetes.io/name": "other"}
        ),
        "Service devbot-webhook: selects no pod",
    ),
    "hpa aiming elsewhere": (
        lambda docs: one(docs, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"].update(
            name="devbot-old"
        ),
        "does not scale the Deployment",
    ),
    "unknown variable": (
        lambda docs: one(docs, "ConfigMap")["data"].update(WEBHOOK_PORTT="8081"),
        "ConfigMap: WEBHOOK_PORTT is no setting",
    ),
    "literal secret": (
        lambda docs: _containers(docs)[0]["env"].append({"name": "BOT_TOKEN", "value": "x"}),
        "BOT_TOKEN as a value",
    ),
    "metrics on the ingress": (
        lambda docs: one(docs, "Ingress")["spec"]["rules"][0]["http"]["paths"][0].update(
            path="/", pathType="Prefix"
        ),
        "Ingress: / is more than the webhook path",
    ),
    "root filesystem writable": (
        lambda docs: _containers(docs, "Job")[0]["securityContext"].pop("readOnlyRootFilesystem"),
        "Job devbot-migrate: the root filesystem is writable",
    ),
    "ingress to the operators' port": (
        lambda docs: one(docs, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"][
            "service"
        ].update(name="devbot-http", port={"name": "http"}),
        "Ingress: devbot-http {'name': 'http'} is not the webhook port",
    ),
    "pdb selecting other pods": (
        lambda docs: one(docs, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"].update(
            {"app.kubernetes.io/component": "migrate"}
        ),
        "PodDisruptionBudget: selects no pod",
    ),
    "files on a ReadWriteOnce volume": (
        lambda docs: one(docs, "PersistentVolumeClaim")["spec"].update(
            accessModes=["ReadWriteOnce"]
        ),
        "PersistentVolumeClaim devbot-files: not ReadWriteMany",
    ),
    "one replica": (
        lambda docs: one(docs, "Deployment")["spec"].update(replicas=1),
        "fewer than 2 replicas",
    ),
    "secret file not in the secret": (
        lambda docs: _containers(docs)[0]["env"][0].update(value="/run/secrets/devbot/token"),
        "BOT_TOKEN_FILE is no file of the secret volume",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_reference_is_found(case: str) -> None:
    breaks, expected = BROKEN[case]
    docs = copy.deepcopy(load())
    breaks(docs)
    problems = reference_problems(docs)
    assert any(expected in problem for problem in problems), problems
