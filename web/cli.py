"""`safeguard`: the command line for operators and for `make`."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from engine import clock, db, forms, migrate, specs
from engine.commands import PublishProcesses
from engine.errors import DiagramProblems, InvalidDiagram
from engine.executor import SYSTEM, run

ROOT = Path(__file__).resolve().parent.parent
PROCESSES_DIR = ROOT / "processes"


@click.group()
@click.option("--database-url", envvar="DATABASE_URL", default=db.DEFAULT_URL,
              show_default="instance/safeguard.sqlite3", help="SQLAlchemy URL.")
@click.pass_context
def main(ctx, database_url):
    """Safeguard Flow: run the missing-children procedure."""
    clock.install()
    ctx.obj = {"url": database_url}


@contextmanager
def _session(ctx):
    engine = db.make_engine(ctx.obj["url"])
    try:
        with db.make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()  # a command is short-lived: close its connections now


@main.group("db")
def db_group():
    """The database schema."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx):
    """Apply every migration not yet applied."""
    migrate.upgrade(ctx.obj["url"])
    click.echo("database is up to date")


@main.group("processes")
def processes_group():
    """Published diagram versions."""


@processes_group.command("load")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path), default=PROCESSES_DIR)
@click.option("--note", default="loaded from the repository")
@click.pass_context
def processes_load(ctx, directory, note):
    """Publish every diagram in processes/ whose content changed (version 1 the first time)."""
    files = specs.read_directory(directory)
    with _session(ctx) as session:
        try:
            created = run(session, PublishProcesses(files, note), SYSTEM)
        except DiagramProblems as exc:
            _fail(exc.problems)
    for version in created:
        click.echo(f"published {version.process_id} version {version.version}")
    if not created:
        click.echo("no diagram changed")


@main.command("check")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path), default=PROCESSES_DIR)
def check(directory):
    """Validate every diagram and form; exit non-zero naming each problem."""
    problems = forms.check_all()
    try:
        parsed = specs.parse_bundle(specs.read_directory(directory))
    except DiagramProblems as exc:
        problems += exc.problems
        parsed = {}
    if problems:
        _fail(problems)
    click.echo(f"{len(parsed)} processes and {len(forms.available_keys())} forms are valid")


def _fail(problems: list[InvalidDiagram]):
    for problem in problems:
        click.echo(f"error: {problem.located()}", err=True)
    sys.exit(1)


@main.group("holidays")
def holidays_group():
    """Bank holidays beyond those the `holidays` package knows."""


@holidays_group.command("add")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("name")
@click.option("--by", "added_by", default="administrator", help="Who is adding it.")
@click.pass_context
def holidays_add(ctx, day, name, added_by):
    """Add a one-off bank holiday (DAY as YYYY-MM-DD); working-day deadlines armed from now
    on skip it."""
    from engine.commands.holidays import AddBankHoliday
    from engine.executor import Actor

    with _session(ctx) as session:
        added = run(session, AddBankHoliday(day.date(), name),
                    Actor(None, added_by, frozenset({"admin"})))
    if not added:
        click.echo(f"{day.date()} is already a bank holiday")
        return
    click.echo(f"added {day.date()} {name}")


@main.command("demo")
@click.option("--code", is_flag=True, help="Only print the demo users' current security code.")
@click.pass_context
def demo(ctx, code):
    """Add demo organisations, users, children and episodes (once). Every demo user shares
    one second-factor key, printed here."""
    import pyotp

    from . import demo as demo_data

    if code:
        click.echo(pyotp.TOTP(demo_data.DEMO_TOTP_SECRET).at(clock.now()))
        return
    with _session(ctx) as session:
        created = demo_data.load(session)
    click.echo("demo data loaded" if created else "demo data was already there")
    click.echo(f"demo users: password {demo_data.DEMO_PASSWORD}; security codes from the key "
               f"{demo_data.DEMO_TOTP_SECRET} in an authenticator app, or "
               "`safeguard demo --code`")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.pass_context
def serve(ctx, host, port):
    """Serve the web app (development server)."""
    from . import create_app

    # The development server speaks plain HTTP, so its session cookie cannot be Secure;
    # production (gunicorn "web:create_app()") keeps the Secure default.
    app = create_app({"DATABASE_URL": ctx.obj["url"], "SESSION_COOKIE_SECURE": False,
                      "SAFEGUARD_ENV": "development"})
    app.run(host=host, port=port, debug=False)


@main.command("rules")
@click.option("--processes", "processes_dir", type=click.Path(exists=True, file_okay=False,
                                                               path_type=Path),
              default=PROCESSES_DIR)
@click.option("--tests", "tests_dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path),
              default=ROOT / "tests")
@click.option("--all", "show_all", is_flag=True, help="List every element and test.")
def rules(processes_dir, tests_dir, show_all):
    """Show which diagram elements and tests cite each rule R1-R46; exit non-zero if any of
    R1-R44 lacks an element or a test."""
    from engine import rules as traceability

    rows = traceability.coverage(processes_dir, tests_dir, ROOT)
    click.echo(f"{'rule':<5} {'elements':>8} {'tests':>5}  where")
    for row in rows:
        click.echo(f"{row.name:<5} {len(row.elements) + len(row.modules):>8} "
                   f"{len(row.tests):>5}  {_some(row.elements + row.modules, show_all)}")
        click.echo(f"{'':<21}{_some(row.tests, show_all)}")
    problems = traceability.gaps(rows)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("every rule R1-R44 has a diagram element and a test")


def _some(items: list[str], show_all: bool, limit: int = 3) -> str:
    if not items:
        return "-"
    if show_all or len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" (+{len(items) - limit} more)"


# --- issue 5: the timer worker and cases in error ---


@main.command("worker")
@click.option("--once", is_flag=True,
              help="Fire what is due now, send what that causes, and exit.")
@click.option("--frozen-now", hidden=True,
              help="Tests only: run on a clock stopped at this ISO 8601 time.")
@click.pass_context
def worker(ctx, once, frozen_now):
    """Fire due timers on time, send reminders and escalation e-mails; runs until SIGTERM.

    Several may run against PostgreSQL; SQLite takes one. E-mail settings come from
    SAFEGUARD_SMTP_HOST, _PORT, _USERNAME, _PASSWORD, _SECURITY, SAFEGUARD_MAIL_FROM and
    SAFEGUARD_BASE_URL; with no host, notifications wait in the outbox."""
    import datetime as dt
    import logging
    import signal

    from engine.notifications.sender import MailSettings
    from engine.worker import Worker, WorkerAlreadyRunning, single_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if frozen_now:
        clock.set_clock(clock.FakeClock(dt.datetime.fromisoformat(frozen_now)))
    mail = MailSettings.from_env()
    if mail is None:
        click.echo("no SAFEGUARD_SMTP_HOST: e-mails wait in the outbox", err=True)
    engine = db.make_engine(ctx.obj["url"])
    timer_worker = Worker(db.make_session_factory(engine), mail=mail)
    signal.signal(signal.SIGTERM, timer_worker.stop)
    signal.signal(signal.SIGINT, timer_worker.stop)
    try:
        with single_worker(ctx.obj["url"]):
            if once:
                done = timer_worker.run_once()
                click.echo(f"fired timers of {done.fired} cases ({done.failed} in error), "
                           f"sent {done.reminded} reminders and {done.emails.sent} e-mails")
            else:
                timer_worker.run()
    except WorkerAlreadyRunning as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        engine.dispose()


@main.group("cases")
def cases_group():
    """Cases the worker marked in error."""


@cases_group.command("errors")
@click.pass_context
def cases_errors(ctx):
    """List the cases in error, with the element and message."""
    from engine.commands.retry_case import failed_cases

    with _session(ctx) as session:
        failed = failed_cases(session)
        for case in failed:
            click.echo(f"case {case.id} ({case.process_id}) failed at "
                       f"{clock.london(case.failed_at):%d %b %Y %H:%M} in "
                       f"{case.error_element or 'an unknown element'}: {case.error}")
    if not failed:
        click.echo("no case is in error")


@cases_group.command("retry")
@click.argument("case_id", type=int)
@click.option("--by", "retried_by", default="administrator", help="Who is retrying it.")
@click.pass_context
def cases_retry(ctx, case_id, retried_by):
    """Put a case in error back to running; the worker fires its due timers again."""
    from engine.commands import RetryCase
    from engine.errors import EngineError
    from engine.executor import Actor

    with _session(ctx) as session:
        try:
            run(session, RetryCase(case_id), Actor(None, retried_by, frozenset({"admin"})))
        except EngineError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    click.echo(f"case {case_id} is running again; the worker will fire its due timers")


# --- issue 6: export published versions; migrate running cases ---
@processes_group.command("export")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path), default=PROCESSES_DIR)
@click.pass_context
def processes_export(ctx, directory):
    """Write the newest published version of every process back to processes/."""
    from engine import versions

    with _session(ctx) as session:
        written = versions.export(session, directory)
    for path in written:
        click.echo(f"wrote {path.name}")
    if not written:
        click.echo("processes/ already matches the published versions")


@processes_group.command("migrate")
@click.argument("process_id")
@click.option("--dry-run", is_flag=True, help="Only say which cases could move, and why not.")
@click.pass_context
def processes_migrate(ctx, process_id, dry_run):
    """Move running cases of PROCESS_ID to the newest versions where no element they have
    reached changed; each case in a transaction of its own."""
    from engine.commands.migrate_cases import MigrateCase, plan_process
    from engine.errors import EngineError

    with _session(ctx) as session:
        plan = plan_process(session, process_id)
        session.rollback()
        movable = [move for move in plan if move.can_move]
        for move in plan:
            if move.up_to_date:
                click.echo(f"case {move.case_id}: already on the newest version")
            elif move.can_move:
                click.echo(f"case {move.case_id}: can move")
            else:
                click.echo(f"case {move.case_id}: stays, {'; '.join(move.reasons)}")
        click.echo(f"{len(movable)} of {len(plan)} running cases can move")
        if dry_run or not movable:
            return
        moved, failed = 0, []
        with click.progressbar(movable, label="Moving cases") as bar:
            for move in bar:
                try:
                    run(session, MigrateCase(move.case_id), SYSTEM)
                    moved += 1
                except EngineError as exc:  # it changed since the plan: report, go on
                    failed.append(f"case {move.case_id}: {exc}")
    for line in failed:
        click.echo(f"not moved: {line}", err=True)
    click.echo(f"moved {moved} cases")


@main.group("api-key")
def api_key_group():
    """Keys other systems use on /api/v1."""


def _operator(name: str):
    """Who runs an administrator's command from the shell (named with --by)."""
    from engine.executor import Actor

    return Actor(None, name, frozenset({"admin"}))


@api_key_group.command("create")
@click.option("--org", "org_code", required=True, help="Organisation code, e.g. cumbria-police.")
@click.option("--role", "roles", multiple=True, required=True, help="A role key; repeatable.")
@click.option("--name", required=True, help="Which system holds the key.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day (YYYY-MM-DD, UTC midnight) the key stops working.")
@click.option("--by", "by", default="administrator", help="Who is making it.")
@click.pass_context
def api_key_create(ctx, org_code, roles, name, expires, by):
    """Make a key bound to an organisation and roles; prints it once (only its hash is kept)."""
    import datetime as dt

    from engine.assignment import ROLES
    from engine.commands.api_keys import CreateApiKey
    from engine.models import Organisation

    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise click.BadParameter(f"unknown role {', '.join(unknown)}", param_hint="--role")
    with _session(ctx) as session:
        org = session.query(Organisation).filter_by(code=org_code).one_or_none()
        if org is None:
            raise click.BadParameter(f"no organisation '{org_code}'", param_hint="--org")
        expires_at = expires.replace(tzinfo=dt.UTC) if expires else None
        _, plain = run(session, CreateApiKey(org.id, list(roles), name, expires_at),
                       _operator(by))
    click.echo(plain)


# issue 13: the DfE and Ofsted returns
from .returns_cli import returns_group  # noqa: E402

main.add_command(returns_group)

# issue 10: loading the council's children from its SSDA903 tables
from .children_cli import children_group  # noqa: E402

main.add_command(children_group)

@api_key_group.command("list")
@click.pass_context
def api_key_list(ctx):
    """Every key: its id, name, organisation, roles, expiry, last use and state."""
    from engine.models import ApiKey

    with _session(ctx) as session:
        for key in session.query(ApiKey).order_by(ApiKey.id):
            now = clock.now()
            state = ("revoked" if key.revoked_at else
                     "expired" if key.expires_at and key.expires_at <= now else "active")
            expiry = f"expires {key.expires_at:%Y-%m-%d}" if key.expires_at else "no expiry"
            used = (f"last used {clock.london(key.last_used_at):%d %b %Y %H:%M}"
                    if key.last_used_at else "never used")
            click.echo(f"{key.prefix}  {key.name}  {key.user.organisation.code}  "
                       f"{','.join(sorted(key.user.role_keys))}  {expiry}  {used}  {state}")


@api_key_group.command("revoke")
@click.argument("key_id")
@click.option("--by", "by", default="administrator", help="Who is revoking it.")
@click.pass_context
def api_key_revoke(ctx, key_id, by):
    """Revoke the key whose id (the part after `sgf_`, as `list` shows) is KEY_ID; it gets
    401 from now on."""
    from engine.commands.api_keys import RevokeApiKey
    from engine.errors import NotFound

    with _session(ctx) as session:
        try:
            key = run(session, RevokeApiKey(prefix=key_id), _operator(by))
        except NotFound:
            click.echo(f"error: there is no API key {key_id}", err=True)
            sys.exit(1)
    click.echo(f"revoked {key.prefix} ({key.name})")


@main.group("org")
def org_group():
    """Organisations of the partnership."""


@org_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(
    ["local_authority", "police", "health", "provider", "home_office", "education",
     "voluntary"]))
@click.option("--by", "by", default="administrator", help="Who is adding it.")
@click.pass_context
def org_add(ctx, code, name, kind, by):
    """Add an organisation (CODE is short, like cumbria-police)."""
    from engine.commands.accounts import SaveOrganisation

    with _session(ctx) as session:
        org = _command(session, SaveOrganisation(code, name, kind), _operator(by))
    click.echo(f"added {org.code} ({org.name})")


@org_group.command("sso")
@click.argument("code")
@click.option("--issuer", required=True, help="The OpenID Connect issuer URL.")
@click.option("--client-id", required=True)
@click.option("--client-secret", envvar="SAFEGUARD_OIDC_CLIENT_SECRET", required=True,
              help="Or SAFEGUARD_OIDC_CLIENT_SECRET, to keep it out of the shell history.")
@click.option("--email-claim", default="email", show_default=True)
@click.option("--by", "by", default="administrator", help="Who is changing it.")
@click.pass_context
def org_sso(ctx, code, issuer, client_id, client_secret, email_claim, by):
    """Let the organisation's people sign in with its own identity provider."""
    from engine.commands.accounts import SaveOrganisation

    with _session(ctx) as session:
        org = _org(session, code)
        _command(session, SaveOrganisation(
            org.code, org.name, org.kind, org.id, oidc_issuer=issuer,
            oidc_client_id=client_id, oidc_client_secret=client_secret,
            oidc_email_claim=email_claim), _operator(by))
    click.echo(f"{code} signs in with {issuer}")


@org_group.command("list")
@click.pass_context
def org_list(ctx):
    """Every organisation: code, kind, name and whether it uses single sign-on."""
    from engine.models import Organisation

    with _session(ctx) as session:
        for org in session.query(Organisation).order_by(Organisation.code):
            click.echo(f"{org.code}  {org.kind}  {org.name}"
                       + (f"  (sign-on {org.oidc_issuer})" if org.oidc_issuer else ""))


@main.group("user")
def user_group():
    """People's accounts."""


@user_group.command("invite")
@click.argument("email")
@click.argument("name")
@click.option("--org", "org_code", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="A role key; repeatable.")
@click.option("--team")
@click.option("--by", "by", default="administrator", help="Who is inviting.")
@click.pass_context
def user_invite(ctx, email, name, org_code, roles, team, by):
    """Invite someone: they are e-mailed a one-time link (7 days) to set their password."""
    from engine.commands.accounts import InviteUser

    with _session(ctx) as session:
        user = _command(session, InviteUser(email, name, _org(session, org_code).id,
                                            list(roles), team), _operator(by))
    click.echo(f"invited {user.email}; the worker e-mails the link")


@user_group.command("roles")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, help="A role key; repeatable.")
@click.option("--team")
@click.option("--by", "by", default="administrator", help="Who is changing them.")
@click.pass_context
def user_roles(ctx, email, roles, team, by):
    """Set someone's roles (and team); their sessions end."""
    from engine.commands.accounts import ChangeUser

    with _session(ctx) as session:
        user = _user(session, email)
        _command(session, ChangeUser(user.id, list(roles), team), _operator(by))
    click.echo(f"{email} now has {', '.join(roles)}")


@user_group.command("deactivate")
@click.argument("email")
@click.option("--by", "by", default="administrator", help="Who is deactivating.")
@click.pass_context
def user_deactivate(ctx, email, by):
    """Deactivate an account; every session of it ends at once."""
    from engine.commands.accounts import SetUserActive

    with _session(ctx) as session:
        _command(session, SetUserActive(_user(session, email).id, False), _operator(by))
    click.echo(f"{email} is deactivated")


@user_group.command("reactivate")
@click.argument("email")
@click.option("--by", "by", default="administrator", help="Who is reactivating.")
@click.pass_context
def user_reactivate(ctx, email, by):
    """Let a deactivated account sign in again."""
    from engine.commands.accounts import SetUserActive

    with _session(ctx) as session:
        _command(session, SetUserActive(_user(session, email).id, True), _operator(by))
    click.echo(f"{email} is active again")


@user_group.command("list")
@click.pass_context
def user_list(ctx):
    """Everyone with an account (not API keys' service users)."""
    from engine.models import User

    with _session(ctx) as session:
        for user in session.query(User).filter_by(is_service=False).order_by(User.email):
            click.echo(f"{user.email}  {user.organisation.code}  "
                       f"{','.join(sorted(user.role_keys))}"
                       f"{'' if user.active else '  deactivated'}")


def _org(session, code):
    from engine.models import Organisation

    org = session.query(Organisation).filter_by(code=code).one_or_none()
    if org is None:
        raise click.BadParameter(f"no organisation '{code}'", param_hint="--org")
    return org


def _user(session, email):
    from sqlalchemy import func

    from engine.models import User

    user = session.query(User).filter(func.lower(User.email) == email.casefold()).first()
    if user is None:
        raise click.BadParameter(f"no account '{email}'", param_hint="EMAIL")
    return user


def _command(session, command, actor):
    """Run an administrator's command; a refusal is printed field by field."""
    from engine.errors import InvalidInput

    try:
        return run(session, command, actor)
    except InvalidInput as exc:
        for field_name, messages in exc.errors.items():
            click.echo(f"error: {field_name}: {'; '.join(messages)}", err=True)
        sys.exit(1)


@main.group("retention")
def retention_group():
    """Records kept past their retention date (a child in care: to their 75th birthday)."""


@retention_group.command("report")
@click.pass_context
def retention_report(ctx):
    """List the children whose records are past retention today."""
    from engine import retention

    with _session(ctx) as session:
        due = retention.past_retention(session, clock.london(clock.now()).date())
    for rule in due:
        click.echo(f"child {rule.child_id}: kept until {rule.keep_until}, {rule.reason}")
    click.echo(f"{len(due)} records are past retention")


@retention_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@click.option("--by", "by", default="data protection officer", help="Who is purging.")
@click.pass_context
def retention_purge(ctx, dry_run, by):
    """Remove every record past retention, each in a transaction of its own, audited."""
    from engine import retention
    from engine.commands.purge import PurgeChild
    from engine.executor import Actor

    today = clock.london(clock.now()).date()
    with _session(ctx) as session:
        due = retention.past_retention(session, today)
        session.rollback()
        for rule in due:
            if dry_run:
                click.echo(f"would remove child {rule.child_id} ({rule.reason})")
            else:
                run(session, PurgeChild(rule.child_id, today),
                    Actor(None, by, frozenset({"dpo"})))
                click.echo(f"removed child {rule.child_id} ({rule.reason})")
    click.echo(f"{len(due)} records {'would be' if dry_run else 'were'} removed")


@main.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx, target):
    """Write a backup of the whole database to TARGET (pg_dump SQL, or a SQLite file)."""
    from engine import backup

    backup.backup(ctx.obj["url"], target)
    click.echo(f"backed up to {target}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def restore_command(ctx, source):
    """Restore a backup into an empty database; then run `safeguard audit verify`."""
    from engine import backup

    try:
        backup.restore(ctx.obj["url"], source)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"restored {source}; check it with `safeguard audit verify`")


@main.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx):
    """Check the whole chain: an edited event, a removed event anywhere and a truncated end
    are each reported; exits non-zero if the trail is not whole. The check is recorded."""
    from engine.commands.audit_check import check_audit_trail

    with _session(ctx) as session:
        check = check_audit_trail(session, notify=False)
    if not check.ok:
        click.echo(f"error: the audit trail is not whole: {check.message}", err=True)
        sys.exit(1)
    click.echo(f"the audit trail is whole: {check.events} events")


if __name__ == "__main__":
    main()
