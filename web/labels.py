"""Words people see for things the engine names by key: stages (process ids), the child's
flags, cases, and diagram elements without a name. Pages use these, never the keys."""

from __future__ import annotations

from engine import clock

# A case's stage is the process its current work is in (engine/projections.py).
STAGE_LABELS = {
    "episode": "Missing or away episode",
    "report": "Report and risk grading",
    "share": "Sharing the report",
    "locate": "Finding the child",
    "interview": "Return interviews",
    "episode_risks": "Exploitation and other risks",
    "subject_to_restriction": "Home Office route",
    "stage_one": "Stage One meeting",
    "stage_two": "Stage Two meeting",
    "escalation": "Escalation beyond Stage Two",
    "repeat_triggers": "Repeat-episode checks",
    "closed": "Closed",
}

FLAG_LABELS = {
    "ce_risk": "At risk of child exploitation",
    "learning_needs": "Learning needs",
    "mental_health": "Mental health needs",
    "uasc": "Unaccompanied asylum-seeking child",
    "migrant": "Migrant child",
    "subject_to_restriction": "Subject to immigration restriction",
    "safeguarding_hub_referral": "Referred to the Safeguarding Hub",
    "looked_after_since": "Looked after",
    "location_withheld": "Location withheld",
    "child_protection_plan": "Child protection plan",
    "early_help": "Early help",
}

# What a case of each process is, for "<what> for <child>".
_CASE_KINDS = {
    "stage_one": "Stage One meeting",
    "stage_two": "Stage Two meeting",
    "escalation": "Escalation beyond Stage Two",
    "episode_risks": "Exploitation and other risks",
    "subject_to_restriction": "Home Office route",
}

RISK_LABELS = {"high": "High", "medium": "Medium", "low": "Low", "no_apparent_risk":
               "No apparent risk"}


def _words(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def stage_label(stage: str | None) -> str:
    if not stage:
        return "Not started"
    return STAGE_LABELS.get(stage, "Other work")


def flag_label(flag: str) -> str:
    return FLAG_LABELS.get(flag, _words(flag))


def risk_label(grade: str | None) -> str:
    if not grade:
        return "Not graded yet"
    return RISK_LABELS.get(grade, _words(grade))


def child_flags(child) -> list[str]:
    """The labels of the flags set on a child's record (true or a date)."""
    return [flag_label(k) for k, v in (child.flags or {}).items() if v] if child else []


def _day(when) -> str:
    return clock.london(when).strftime("%-d %B %Y") if when else ""


def episode_words(episode) -> str:
    """'missing since 1 March 2026', 'away from placement 1 to 3 March 2026'."""
    what = "missing" if episode.category == "M" else "away from placement"
    if episode.found_at:
        return f"{what} {_day(episode.last_seen_at)} to {_day(episode.found_at)}"
    return f"{what} since {_day(episode.last_seen_at)}"


def case_title(process_id: str, child=None, episode=None) -> str:
    """A case named for what it is: 'Ava Sample, missing since 1 March 2026',
    'Stage One meeting for Fay Sample'."""
    name = child.full_name if child is not None else None
    if process_id == "episode" and episode is not None:
        text = episode_words(episode)
        return f"{name}, {text}" if name else text[:1].upper() + text[1:]
    kind = _CASE_KINDS.get(process_id) or STAGE_LABELS.get(process_id) or "Work"
    if episode is not None:
        kind = f"{kind} ({episode_words(episode)})"
    return f"{kind} for {name}" if name else kind


def element_label(name: str | None, kind: str = "step") -> str:
    """An element's name, or a readable generic word when it has none (never its id)."""
    return name.strip() if name and name.strip() else f"An unnamed {kind}"


_PROCESS_NAMES: dict[tuple[str, str], str] = {}


def process_title(version) -> str:
    """A published diagram's own name ("Locate the child"), read from its XML once per
    version; the stage label when the diagram has none."""
    key = (version.sha256, version.process_id)
    if key not in _PROCESS_NAMES:
        from lxml import etree

        name = None
        try:
            root = etree.fromstring(version.xml, parser=etree.XMLParser(
                resolve_entities=False, no_network=True))
            for element in root.iter("{*}process"):
                if element.get("id") == version.process_id:
                    name = " ".join((element.get("name") or "").split()) or None
        except etree.XMLSyntaxError:
            pass
        _PROCESS_NAMES[key] = name or stage_label(version.process_id)
    return _PROCESS_NAMES[key]


def init_app(app) -> None:
    app.add_template_filter(process_title, "process_title")
    app.add_template_filter(stage_label, "stage_label")
    app.add_template_filter(flag_label, "flag_label")
    app.add_template_filter(risk_label, "risk_label")
    app.add_template_global(child_flags, "child_flags")
    app.add_template_global(case_title, "case_title")
    app.add_template_global(episode_words, "episode_words")
