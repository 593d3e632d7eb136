"""What awx/configure.yml creates, read from awx/vars/main.yml: the job templates of each
environment with their playbook, job type, tags and survey, and the approval workflow.

The tests use it to check the configuration and to run a job template the way AWX runs it
(tests/integration/test_awx_runner.py); it mirrors the loops and conditions of configure.yml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
VARS_FILE = REPO_ROOT / "awx" / "vars" / "main.yml"


class Unsafe(str):
    """A string tagged `!unsafe`: Ansible leaves it untemplated (AWX fills it in)."""


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))


def load(path: Path = VARS_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader with one tag added


@dataclass
class JobTemplate:
    """One job template as configure.yml creates it."""

    environment: str
    key: str
    name: str
    playbook: str
    job_type: str = "run"
    job_tags: str = ""
    phases: list = field(default_factory=list)
    survey: dict | None = None
    ask_variables_on_launch: bool = False

    def survey_answers(self, **answers) -> dict:
        """The extra variables a launch sends: each question's default, or the given answer."""
        values = {}
        for question in (self.survey or {}).get("spec", []):
            name = question["variable"]
            if name in answers:
                values[name] = answers.pop(name)
            elif question.get("default", "") != "" or question.get("required"):
                values[name] = question.get("default", "")
        if answers:
            raise KeyError("not a survey question of %s: %s" % (self.name, ", ".join(sorted(answers))))
        return values


def job_templates(config: dict | None = None) -> list:
    """Every job template of every environment (the product loop of configure.yml)."""
    config = config or load()
    templates = []
    for environment in config["awx_environments"]:
        for template in config["awx_job_templates"]:
            if template.get("approval_only", False) and not environment["approval"]:
                continue
            survey = config["awx_surveys"][template["survey"]] if "survey" in template else None
            templates.append(JobTemplate(
                environment=environment["name"],
                key=template["name"],
                name="%s %s" % (environment["name"], template["name"]),
                playbook=template["playbook"],
                job_type=template.get("job_type", "run"),
                job_tags=template.get("job_tags", ""),
                phases=list(template.get("phases", [])),
                survey=survey,
                ask_variables_on_launch=template.get("ask_variables_on_launch", False),
            ))
    return templates


def job_template(environment: str, key: str, config: dict | None = None) -> JobTemplate:
    for template in job_templates(config):
        if template.environment == environment and template.key == key:
            return template
    raise KeyError("no job template %r for environment %r in %s" % (key, environment, VARS_FILE))


def template_for(key: str, config: dict | None = None) -> JobTemplate:
    """The job template `key` as configured for the first environment that has it, for another
    environment (the local one the tests run against): same playbook, type, tags and survey."""
    config = config or load()
    for template in job_templates(config):
        if template.key == key:
            return template
    raise KeyError("no job template %r in %s" % (key, VARS_FILE))


def workflows(config: dict | None = None) -> dict:
    """environment -> its approval workflow: the nodes with the job template each one runs."""
    config = config or load()
    found = {}
    for environment in config["awx_environments"]:
        if not environment["approval"]:
            continue
        nodes = {}
        for node in config["awx_approval_workflow"]["nodes"]:
            nodes[node["identifier"]] = dict(
                node,
                template=job_template(environment["name"], node["job_template"], config) if "job_template" in node else None,
            )
        found[environment["name"]] = nodes
    return found
