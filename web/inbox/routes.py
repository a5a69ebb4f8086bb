from flask import render_template

from ..access import role_required
from . import bp


@bp.route("/")
@role_required()
def index():
    return render_template("inbox/index.html")
