"""The AWX configuration (awx/vars/main.yml, created by awx/configure.yml): every job template runs
an entry playbook of this repository, every survey and workflow variable is one the playbooks
read with values they accept, every phase tag exists, and the approval workflow of an environment
that requires approval puts its approval node between the plan and the apply."""

import re
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tools"))

import awx_config  # noqa: E402  pylint: disable=wrong-import-position

CONFIG = awx_config.load()
TEMPLATES = awx_config.job_templates(CONFIG)
# Entry playbooks another branch brings; their job templates are configured ahead of them.
ARRIVING = {"validate.yml"}
AWX_QUESTION_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def ansible_sources():
    """The text of everything a job reads variables in: entry playbooks, playbooks/, roles/."""
    paths = list(REPO_ROOT.glob("*.yml")) + list((REPO_ROOT / "playbooks").glob("*.yml"))
    paths += list((REPO_ROOT / "roles").glob("*/*/*.yml"))
    # Comments left out: a variable named in a comment is not read.
    return {path: re.sub(r"(?m)^\s*#.*$|\s+#\s.*$", "", path.read_text(encoding="utf-8"))
            for path in paths if path.name != "galaxy.yml"}


SOURCES = ansible_sources()


def read_in_playbooks(variable):
    """The files that use `variable` in a Jinja expression or a `when`."""
    # Not `-e name=value` in a message: a read.
    word = re.compile(r"(?<![\w.])%s(?![\w=])" % re.escape(variable))
    return [path for path, text in SOURCES.items()
            if path.parent.name != "meta" and word.search(text) and not path.is_relative_to(REPO_ROOT / "awx")]


def plays(playbook):
    return yaml.safe_load((REPO_ROOT / "playbooks" / playbook).read_text(encoding="utf-8"))


def phase_tags(playbook="deploy.yml"):
    return {tag for play in plays(playbook) for tag in play.get("tags", []) if tag != "always"}


def test_every_environment_has_an_inventory_and_its_approval_setting():
    assert CONFIG["awx_environments"], "no environment configured"
    for environment in CONFIG["awx_environments"]:
        main = REPO_ROOT / "inventories" / environment["name"] / "group_vars" / "all" / "main.yml"
        assert (REPO_ROOT / "inventories" / environment["name"] / "hosts.yml").is_file()
        settings = yaml.safe_load(main.read_text(encoding="utf-8"))
        # The workflow with an approval node exactly where the inventory requires approval.
        assert environment["approval"] is settings["deploy_require_manual_approval"], environment["name"]


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_every_job_template_runs_an_entry_playbook(template):
    path = REPO_ROOT / template.playbook
    if not path.exists() and template.playbook in ARRIVING:
        pytest.skip("%s is not on this branch yet" % template.playbook)
    assert path.is_file(), "%s: no playbook %s at the repository root" % (template.name, template.playbook)
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    imported = [play["ansible.builtin.import_playbook"] for play in entry]
    assert imported and all((REPO_ROOT / target).is_file() for target in imported), imported
    assert template.job_type in ("run", "check")


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.survey], ids=[t.name for t in TEMPLATES if t.survey])
def test_every_survey_question_is_a_variable_the_playbooks_read(template):
    spec = template.survey["spec"]
    assert template.survey["name"] and spec
    assert len({question["variable"] for question in spec}) == len(spec)
    for question in spec:
        assert question["type"] in AWX_QUESTION_TYPES, question
        assert question["question_name"] and isinstance(question["required"], bool)
        assert read_in_playbooks(question["variable"]), "%s: nothing reads %s" % (template.name, question["variable"])
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"], question


def test_the_survey_values_are_ones_the_playbooks_accept():
    """AWX surveys have no boolean: skip_tests arrives as "true"/"false" and every reader must
    pass it through `| bool`; component's choices are the ones rollback.yml compares with."""
    questions = {q["variable"]: q for survey in CONFIG["awx_surveys"].values() for q in survey["spec"]}
    uses = [(path, use) for path in read_in_playbooks("skip_tests")
            for use in re.findall(r"\{\{[^}]*(?<![\w.])skip_tests(?!\w)[^}]*\}\}", SOURCES[path])]
    assert uses
    for path, use in uses:
        assert re.search(r"\|\s*bool", use), "%s reads skip_tests without | bool: %s" % (path, use)
    assert set(questions["skip_tests"]["choices"]) == {"true", "false"}
    rollback = (REPO_ROOT / "playbooks" / "rollback.yml").read_text(encoding="utf-8")
    compared = {part.replace("'", "").strip() for found in re.findall(r"component \| default\('all'\) in \[([^\]]*)\]", rollback)
                for part in found.split(",")}
    assert set(questions["component"]["choices"]) <= compared, compared
    # An empty target release means the previous one.
    assert "rollback_release | default('previous', true)" in SOURCES[REPO_ROOT / "roles" / "lambda" / "defaults" / "main.yml"]


def test_phase_tags_and_plan_tags_exist_in_deploy_yml():
    tags = phase_tags()
    for template in TEMPLATES:
        if template.playbook == "deploy.yml":
            assert set(template.phases) <= tags, template.name
            assert set(filter(None, template.job_tags.split(","))) <= tags, template.name
    deploy = awx_config.template_for("deploy", CONFIG)
    assert deploy.phases == [play["tags"][0] for play in plays("deploy.yml") if play["tags"] != ["always"]]


def test_the_approval_workflow_plans_then_waits_for_approval_then_applies():
    workflows = awx_config.workflows(CONFIG)
    assert set(workflows) == {e["name"] for e in CONFIG["awx_environments"] if e["approval"]}
    for environment, nodes in workflows.items():
        edges = {(identifier, after) for identifier, node in nodes.items() for after in node["success"]}
        assert all(after in nodes for dummy, after in edges), edges
        roots = set(nodes) - {after for dummy, after in edges}
        assert len(roots) == 1, roots
        (root,) = roots
        plan = nodes[root]["template"]
        # The plan: deploy.yml in check mode, infrastructure only.
        assert (plan.playbook, plan.job_type, plan.job_tags) == ("deploy.yml", "check", "infrastructure")
        approvals = [identifier for identifier, node in nodes.items() if "approval" in node]
        assert len(approvals) == 1 and nodes[approvals[0]]["template"] is None
        assert nodes[approvals[0]]["approval"]["name"]
        applies = [identifier for identifier, node in nodes.items()
                   if node["template"] and node["template"].job_type == "run" and node["template"].playbook == "deploy.yml"]
        assert len(applies) == 1
        # Every path from the plan to the apply goes through the approval node.
        assert not reachable(edges, root, applies[0], avoiding=approvals[0]), environment
        assert reachable(edges, root, approvals[0]) and reachable(edges, approvals[0], applies[0])
        apply = nodes[applies[0]]
        # The apply passes the approver to the gate: terraform_approver reads `approve`.
        assert apply["extra_data"]["approve"]
        assert "approve | default" in SOURCES[REPO_ROOT / "roles" / "terraform" / "defaults" / "main.yml"]
        # AWX accepts the node's variables: prompted on launch, or answers to the survey.
        survey = {q["variable"] for q in (apply["template"].survey or {}).get("spec", [])}
        assert apply["template"].ask_variables_on_launch or set(apply["extra_data"]) <= survey
        for variable in apply["extra_data"]:
            assert read_in_playbooks(variable), variable
        required = {q["variable"] for q in (apply["template"].survey or {}).get("spec", []) if q["required"]}
        assert required <= set(apply["extra_data"]) | {q["variable"] for q in apply["template"].survey["spec"] if q.get("default")}


def reachable(edges, start, goal, avoiding=None):
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node in seen or node == avoiding:
            continue
        seen.add(node)
        todo.extend(after for before, after in edges if before == node)
    return False


def test_the_aws_credential_type_injects_the_keys_and_session_token_untemplated():
    credential_type = CONFIG["awx_aws_credential_type"]
    fields = {f["id"]: f for f in credential_type["inputs"]["fields"]}
    injected = credential_type["injectors"]["env"]
    assert set(injected) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    for value in injected.values():
        # Tagged !unsafe: configure.yml hands AWX the template instead of filling it itself.
        assert isinstance(value, awx_config.Unsafe), value
        (name,) = re.findall(r"\{\{\s*(\w+)\s*\}\}", value)
        assert name in fields
    assert fields["secret_key"]["secret"] and fields["session_token"]["secret"]
    assert set(credential_type["inputs"]["required"]) == {"access_key", "secret_key"}


def test_configure_yml_creates_what_the_vars_describe():
    """The playbook loops over the vars: one task per kind of object, with the awx.awx modules."""
    plays_ = yaml.safe_load((REPO_ROOT / "awx" / "configure.yml").read_text(encoding="utf-8"))
    modules = [next(key for key in task if key.startswith("awx.awx.")) for task in plays_[0]["tasks"]]
    assert plays_[0]["vars_files"] == ["vars/main.yml"]
    for module in ("organization", "project", "credential_type", "credential", "inventory", "inventory_source",
                   "job_template", "workflow_job_template", "workflow_job_template_node"):
        assert "awx.awx." + module in modules, module
    text = (REPO_ROOT / "awx" / "configure.yml").read_text(encoding="utf-8")
    # Vault credentials carry the environment as vault id, secrets tasks log nothing.
    assert "vault_id: \"{{ item.name }}\"" in text
    for task in plays_[0]["tasks"]:
        if "awx.awx.credential" in task:
            assert task.get("no_log") is True, task["name"]
