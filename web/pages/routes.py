from flask import current_app, render_template

from engine.retention import (
    AFTER_DEATH_YEARS,
    AFTER_LAST_EPISODE_YEARS,
    IN_CARE_UNTIL_AGE,
    NOT_IN_CARE_UNTIL_AGE,
)

from . import bp

# The footer's links, in the order GOV.UK services show them.
FOOTER = [
    ("Help", "pages.help"),
    ("Accessibility statement", "pages.accessibility"),
    ("Privacy notice", "pages.privacy"),
    ("Cookies", "pages.cookies"),
]


@bp.route("/help")
def help():
    return render_template("pages/help.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template(
        "pages/privacy.html", in_care_until=IN_CARE_UNTIL_AGE,
        not_in_care_until=NOT_IN_CARE_UNTIL_AGE, after_death=AFTER_DEATH_YEARS,
        after_last_episode=AFTER_LAST_EPISODE_YEARS)


@bp.route("/cookies")
def cookies():
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    return render_template("pages/cookies.html", idle_minutes=int(idle.total_seconds() // 60))
