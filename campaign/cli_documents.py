"""Command line for files in (a unit's offline template, the intake of e-mailed files) and the security audit."""
from __future__ import annotations

import os

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from .definitions.proposer import NoDeliverable, propose, source_lines
from .documents.notice_reader import notice_lines
from .extensions import db
from .forms.documents import screen
from .models import Campaign, Deliverable, Role, Unit, User
from .reports.template import build_template
from .services import WorkflowError
from .services.audit import purge, retention_days, seal, verify
from .services.intake import DocumentRefused, check, take_in, tell_unit
from .services.submissions import get_submission
from .services.uploads import form_kind, template_data, template_identity


def _deliverable(campaign_id: int, key: str) -> Deliverable:
    campaign = db.session.get(Campaign, campaign_id)
    deliverable = campaign and db.session.scalar(
        sa.select(Deliverable).where(Deliverable.campaign_id == campaign.id, Deliverable.key == key))
    if deliverable is None:
        click.secho(f"找不到通知 {campaign_id} 的报送事项“{key}”。", err=True, fg="red")
        raise SystemExit(1)
    return deliverable


def _unit(deliverable: Deliverable, name: str) -> Unit:
    """A recipient unit by its reporter's user name, its code or its name."""
    reporter = db.session.scalar(sa.select(User).where(User.username == name, User.role == Role.reporter))
    unit = reporter.unit if reporter else db.session.scalar(
        sa.select(Unit).where(sa.or_(Unit.code == name, Unit.name == name)))
    if unit is None or unit not in deliverable.campaign.recipients:
        click.secho(f"“{name}”不是该通知的报送单位（可用填报人账号、单位代码或单位名称）。", err=True, fg="red")
        raise SystemExit(1)
    return unit


@click.command("template")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option("--deliverable", "key", required=True, help="Deliverable key, e.g. annex1.")
@click.option("--unit", "unit_name", required=True, help="The unit: its reporter's user name, its code or its name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def template_command(campaign_id: int, key: str, unit_name: str, output: str) -> None:
    """Write a unit's offline Excel template of a table form, pre-filled with its draft."""
    deliverable = _deliverable(campaign_id, key)
    if form_kind(deliverable.form) != "table":
        click.secho(f"“{deliverable.title}”不是表格，没有 Excel 填报模板（Word 工作总结可直接导入）。", err=True, fg="red")
        raise SystemExit(1)
    submission = get_submission(deliverable, _unit(deliverable, unit_name))
    db.session.commit()
    with open(output, "wb") as out:
        build_template(deliverable.form, title=deliverable.label, unit_name=submission.unit.name,
                       data=template_data(submission), identity=template_identity(submission), out=out)
    click.echo(f"已生成 {output}（{submission.unit.name}，{deliverable.label}）")


@click.command("propose-campaign")
@click.argument("notice", type=click.Path(exists=True, dir_okay=False))
def propose_campaign_command(notice: str) -> None:
    """Read a notice (.docx, .doc, .wps or .txt) and print the campaign it proposes, in the preset
    format the app loads, then where each value came from. Exits 2 when the notice names nothing to file."""
    with open(notice, "rb") as fh:
        raw = fh.read()
    try:
        proposal = propose(notice_lines(os.path.basename(notice), raw))
    except DocumentRefused as exc:
        click.secho(str(exc), err=True, fg="red")
        raise SystemExit(1) from None
    except NoDeliverable as exc:
        click.secho(str(exc), err=True, fg="red")
        raise SystemExit(2) from None
    click.echo(proposal.yaml(), nl=False)
    click.echo("\n# 各项取自通知的哪一句：")
    for line in source_lines(proposal):
        click.echo("# " + line)


@click.command("intake")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option("--deliverable", "key", required=True, help="Deliverable key, e.g. annex1, annex2.")
@click.option("--dry-run", is_flag=True, help="Show what each file holds and for which unit; store nothing.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def intake_command(campaign_id: int, key: str, dry_run: bool, files: tuple[str, ...]) -> None:
    """Take in files units sent by e-mail (.xlsx, .docx, .doc, .wps or a .zip of them) as their submissions (代报).

    Prints, per file, the unit matched, the 字数 and every problem; exits with 1 when any file is refused.
    Filed as the campaign's first coordinator."""
    deliverable = _deliverable(campaign_id, key)
    loaded = []
    for path in files:
        with open(path, "rb") as fh:
            loaded.append((os.path.basename(path), fh.read()))
    try:
        items = check(deliverable, loaded)
    except DocumentRefused as exc:
        click.secho(str(exc), err=True, fg="red")
        raise SystemExit(1) from None
    screen(items, deliverable)
    db.session.rollback()
    for item in items:
        unit = f"{item.unit.name}（依据{item.matched_by}）" if item.unit else "—"
        words = "—" if item.words is None else f"{item.words} 字"
        if item.ok:
            click.echo(f"可导入\t{item.name}\t{unit}\t{words}")
        else:
            click.secho(f"不能导入\t{item.name}\t{unit}\t{words}\t{item.refused}", err=True, fg="red")
        for problem in item.reading.problems if item.reading else ():
            click.secho(f"\t提示：{problem}", err=not item.ok)
    refused = sum(1 for item in items if not item.ok)
    taken = [item for item in items if item.ok]
    if dry_run:
        click.echo(f"试运行：可导入 {len(taken)} 个，不能导入 {refused} 个；未保存任何内容。")
    elif taken:
        coordinator = deliverable.campaign.coordinators[0] if deliverable.campaign.coordinators else None
        if coordinator is None:
            click.secho("该通知没有联络员，无法代报。", err=True, fg="red")
            raise SystemExit(1)
        try:
            submissions = [take_in(deliverable, item, item.data, user=coordinator, via="cli") for item in taken]
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            click.secho(str(exc), err=True, fg="red")
            raise SystemExit(1) from None
        for submission in submissions:
            for failure in tell_unit(submission, coordinator.name):
                click.secho(f"通知邮件未能发出：{failure}", err=True, fg="yellow")
        click.echo(f"已代报 {len(submissions)} 个单位的材料，不能导入 {refused} 个文件。")
    if refused:
        raise SystemExit(1)


commands = [propose_campaign_command, template_command, intake_command]


@click.group("audit")
def audit_group() -> None:
    """The security audit log: verify its HMAC chain, chain entries from before it, remove what is past retention."""


@audit_group.command("seal")
@with_appcontext
def audit_seal() -> None:
    """Chain the entries written before the chain existed (new entries are chained as they are written)."""
    click.echo(f"已封存 {seal()} 条审计记录。")


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check that no entry was changed, removed or inserted; reports the first broken one and exits with 1."""
    seal()
    verdict = verify()
    if not verdict.ok:
        click.secho(f"审计记录被改动：{verdict.where}。", err=True, fg="red")
        raise SystemExit(1)
    click.echo(f"审计记录完整：已核对 {verdict.checked} 条。")


@audit_group.command("purge")
@with_appcontext
def audit_purge() -> None:
    """Remove entries older than AUDIT_RETENTION_DAYS (at least 180); the chain stays verifiable."""
    click.echo(f"已删除 {purge()} 条超过 {retention_days()} 天的审计记录。")


commands.append(audit_group)
