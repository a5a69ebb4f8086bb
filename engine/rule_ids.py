"""The rule ids diagrams and tests may cite: R1-R46 from the procedure's RULES.md, and
R47 onwards for the duties the two source procedures add (docs/rules-extra.md)."""

from __future__ import annotations

# R47+: duties of the source texts that RULES.md does not number (docs/rules-extra.md).
EXTRA_RULES = {
    47: "Existing safety plan shown at intake",
    48: "Education told and invited",
    49: "Health told and invited",
    50: "Strategy discussion on significant harm",
    51: "Frequently missing child's placement reviewed urgently",
    52: "Emergency orders: reminders, extension decision, safe accommodation",
}
LAST_RULE = max(EXTRA_RULES)
ALL_RULES = range(1, LAST_RULE + 1)
# Every rule up to R44 and every R47+ duty must be implemented and tested; R45 and R46
# are reporting duties with their own issue.
REQUIRED_RULES = [n for n in ALL_RULES if n not in (45, 46)]
KNOWN_RULES = frozenset(f"R{n}" for n in ALL_RULES)
