"""A form's answer must not share its name with a fact `runtime.refresh_facts` rewrites:
every load of the case would overwrite the practitioner's answer with the record's fact
before the next gateway reads it (the MACH's "open to a social worker?" answer, R8, and
the trafficking assessment's "withhold the location", R43, were lost that way)."""

import json

from lxml import etree

from engine import runtime, specs
from tests.conftest import PROCESSES
from tests.procedure.conftest import FORMS

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def task_forms() -> dict[str, set[str]]:
    """{form key: the user tasks (file:id) that use it} over the procedure's diagrams."""
    used: dict[str, set[str]] = {}
    for name, data in specs.read_directory(PROCESSES).items():
        if not name.endswith(".bpmn"):
            continue
        for task in etree.fromstring(data).iter(f"{{{NS['bpmn']}}}userTask"):
            for prop in task.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                                      "spiffworkflow:property", NS):
                if prop.get("name") == "formKey":
                    used.setdefault(prop.get("value"), set()).add(f"{name}:{task.get('id')}")
    return used


def field_names(schema: dict) -> set[str]:
    """Every property a schema can hold, including those only its if/then branches add."""
    names = set(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, ()):
            names |= field_names(part)
    for key in ("if", "then", "else"):
        if isinstance(schema.get(key), dict):
            names |= field_names(schema[key])
    return names


def refreshed_names(proc) -> set[str]:
    """The names refresh_facts writes into a running episode case (a child in care, placed
    here by another authority, so every fact has a value), and found_at, which it also
    rewrites once the child is found."""
    episode = proc.report(proc.child(placed="placed_here"))
    proc.session.rollback()
    case, workflow = runtime.load_case(proc.session, proc.case(episode).id)
    fresh = runtime.refresh_facts(proc.session, case, workflow)
    proc.session.rollback()
    return set(fresh) | {"found_at"}


def test_r8_r43_no_task_form_field_is_named_like_a_refreshed_fact(proc):
    facts = refreshed_names(proc)
    assert {"open_to_social_worker", "location_withheld", "early_help"} <= facts
    clashes = {}
    for form_key, tasks in sorted(task_forms().items()):
        schema = json.loads((FORMS / f"{form_key}.json").read_text())["schema"]
        same = field_names(schema) & facts
        if same:
            clashes[form_key] = (sorted(same), sorted(tasks))
    assert clashes == {}


def test_r8_mach_answer_not_open_routes_the_multi_agency_discussion_whatever_the_record(proc):
    """The record says the child is open to our social worker; the MACH officer finds they
    are not and decides on a multi-agency discussion: the discussion is held, routed on the
    officer's answer, not the record's fact."""
    episode = proc.report(proc.child())
    proc.complete(episode, "mach_review", mach_open_to_social_worker="no",
                  shared_with_social_worker=None, multi_agency_discussion=True,
                  multi_agency_discussion_reason="Not known to us after all")
    assert proc.items(episode)["multi_agency_discussion"].role == "mach"
