"""Command-line commands: flask --app campaign <command>."""
from __future__ import annotations

from datetime import datetime, timezone

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_migrate import upgrade

from . import cli_documents as documents
from .extensions import db
from .models import Role, Unit, User, record
from .timefmt import RANGE_MESSAGE, check_range
from .services import WorkflowError
from .services.backup import backup, restore


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema by applying the migrations."""
    upgrade()
    click.echo(f"数据库已就绪：{db.engine.url.render_as_string(hide_password=True)}")


@click.command("seed-demo")
@click.option("--password", default=None, help="Use this password for every demo account (default: random).")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has accounts.")
@with_appcontext
def seed_demo_command(password: str | None, if_empty: bool) -> None:
    """Load both seed notices as live campaigns with their real recipient units and demo accounts."""
    from .services.demo import seed_demo

    if db.session.scalar(sa.select(sa.func.count(User.id))):
        message = "数据库中已有账号，未重复生成演示数据（如需重来，请删除 instance/campaign.sqlite 后再运行）。"
        click.secho(message, err=True)
        if if_empty:
            return
        raise SystemExit(1)
    try:
        seeder = seed_demo(password=password)
    except WorkflowError as exc:  # a weak --password: nothing is kept
        db.session.rollback()
        click.secho(str(exc), err=True, fg="red")
        raise SystemExit(1) from None
    db.session.commit()
    click.echo("演示账号（角色 / 单位 / 用户名 / 密码）：")
    for role, unit, username, pw in seeder.accounts:
        click.echo(f"  {role:　<4} {unit or '—':　<16} {username:<14} {pw}")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="")
@click.option("--email", default="")
@click.option("--unit", "unit_name", default=None, help="Name or code of the reporter's unit.")
@click.password_option()
@with_appcontext
def create_user_command(username, role, name, email, unit_name, password) -> None:
    """Create an account; reporters need --unit."""
    from .services.accounts import create_user, password_problems

    problems = password_problems(password, username)
    if problems:
        click.secho("密码不符合要求：" + "".join(problems), err=True, fg="red")
        raise SystemExit(1)

    unit = None
    if unit_name:
        unit = db.session.scalar(sa.select(Unit).where(sa.or_(Unit.name == unit_name, Unit.code == unit_name)))
        if unit is None:
            click.secho(f"找不到单位“{unit_name}”。", err=True, fg="red")
            raise SystemExit(1)
    try:
        create_user(username=username, password=password, role=Role(role), name=name, email=email, unit=unit)
    except WorkflowError as exc:
        click.secho(str(exc), err=True, fg="red")
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"已创建账号 {username}。")


@click.group("reminders")
def reminders_group() -> None:
    """Deadline reminders (催报)."""


def _parse_now(value: str | None) -> datetime | None:
    """An ISO time; without an offset it is taken as UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        check_range(moment)
    except ValueError as exc:
        message = str(exc) if str(exc) == RANGE_MESSAGE else "请使用 ISO 格式，例如 2026-03-24T09:00+08:00。"
        raise click.BadParameter(message, param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


STATUS_WORDS = {"sent": "已发送", "failed": "失败待重试", "abandoned": "失败已放弃", "skipped": "无需发送",
                "would-send": "将发送", "would-retry": "将重试"}


@reminders_group.command("run")
@click.option("--now", "now_text", default=None, metavar="ISO-TIME",
              help="Act as if it were this time (default: now); without an offset, UTC.")
@click.option("--dry-run", is_flag=True, help="List what would be sent; claim and send nothing.")
@with_appcontext
def reminders_run(now_text: str | None, dry_run: bool) -> None:
    """Send the reminders that are due (run it every few minutes from cron or a systemd timer)."""
    from .services.reminders.schedule import kind_label
    from .services.reminders import run_pass

    report = run_pass(_parse_now(now_text), dry_run=dry_run)
    for o in report.outcomes:
        line = f"{STATUS_WORDS.get(o.status, o.status)}\t{kind_label(o.kind)}\t{o.unit}\t{o.deliverable}\t{o.recipient}"
        if o.status in {"failed", "abandoned"}:
            click.secho(f"{line}\t{o.detail}", err=True, fg="red")
        else:
            click.echo(line)
    if dry_run:
        click.echo(f"试运行：将发送 {report.count('would-send')} 封，将重试 {report.count('would-retry')} 封；未发送任何邮件。")
        return
    from .services.audit import seal

    seal()  # entries written before the audit chain existed are chained (new ones are as they are written)
    click.echo(f"已发送 {report.count('sent')} 封，失败 {report.count('failed') + report.count('abandoned')} 封，"
               f"无需发送 {report.count('skipped')} 封。")
    if report.stopped:
        click.secho("邮件服务器连续发送失败，本轮已停止；剩余的提醒将在下次运行时发送。", err=True, fg="red")



@click.command("rollup")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option("--deliverable", "key", required=True, help="Deliverable key, e.g. annex1, annex2, study_report.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "docx", "zip"]), required=True)
@click.option("--essays", is_flag=True, help="With docx: the compilation of essays (体会汇编) instead.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def rollup_command(campaign_id: int, key: str, fmt: str, essays: bool, output: str) -> None:
    """Write a campaign-wide rollup (汇总表 or 汇编) built from the database now."""
    from .models import Campaign, Deliverable
    from .reports import build, find_kind, kinds
    from .reports.collect import collect

    campaign = db.session.get(Campaign, campaign_id)
    deliverable = campaign and db.session.scalar(
        sa.select(Deliverable).where(Deliverable.campaign_id == campaign.id, Deliverable.key == key))
    if deliverable is None:
        click.secho(f"找不到通知 {campaign_id} 的报送事项“{key}”。", err=True, fg="red")
        raise SystemExit(1)
    options = kinds(deliverable.form)
    chosen = find_kind(options, "essays" if essays else fmt)
    if chosen is None or (essays and fmt != "docx"):
        offered = "、".join(f"{k.label}（--format {k.extension[1:]}{' --essays' if k.key == 'essays' else ''}）"
                           for k in options)
        click.secho(f"“{deliverable.title}”没有这种汇总文件。可用：{offered}", err=True, fg="red")
        raise SystemExit(1)
    rollup = collect(campaign, deliverable)
    with open(output, "wb") as out:
        cleaner = build(rollup, chosen, out)
    record("export", campaign_id=campaign.id, deliverable=key, kind=chosen.key, removed_characters=cleaner.units,
           via="cli")
    db.session.commit()
    if cleaner.message:
        click.secho(cleaner.message, err=True, fg="yellow")
    click.echo(f"已生成 {output}（{rollup.counts.line}）")



@click.command("import-units")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; change nothing.")
@click.option("--send-links/--no-send-links", default=True, help="E-mail new accounts a set-password link (default: yes).")
@with_appcontext
def import_units_command(path: str, dry_run: bool, send_links: bool) -> None:
    """Import units, contacts and 填报人 accounts from an .xlsx or .csv unit list (all rows or none)."""
    from .mail import MailError
    from .services.accounts import send_password_link
    from .services.unit_files import UnreadableFile, read_rows
    from .services.unit_import import apply_import, plan_import

    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        plan = plan_import(read_rows(path, raw))
    except UnreadableFile as exc:
        click.secho(str(exc), err=True, fg="red")
        raise SystemExit(1) from None
    if plan.errors:
        for error in plan.errors:
            click.secho(str(error), err=True, fg="red")
        click.secho(f"共 {len(plan.errors)} 处问题，未做任何更改。", err=True, fg="red")
        raise SystemExit(1)
    summary = f"新建 {plan.new_units} 个单位，更新 {plan.updated_units} 个单位，新建 {plan.new_accounts} 个填报人账号"
    if dry_run:
        db.session.rollback()
        click.echo(f"检查通过（未导入）：将{summary}。")
        return
    accounts = apply_import(plan, user=None)
    db.session.commit()
    click.echo(f"导入完成：{summary}。")
    if not send_links:
        return
    failed = 0
    for account in accounts:
        try:
            send_password_link(account)
        except MailError as exc:
            failed += 1
            click.secho(f"{account.username}：邮件未能发送（{exc}）", err=True, fg="red")
    db.session.commit()
    click.echo(f"已发送 {len(accounts) - failed} 封设置密码邮件。")
    if failed:
        raise SystemExit(1)


@click.command("send-password-link")
@click.argument("username")
@with_appcontext
def send_password_link_command(username: str) -> None:
    """E-mail a user a new set-password link; earlier links stop working."""
    from .mail import MailError
    from .services.accounts import renew_password_link, send_password_link

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.email:
        click.secho(f"找不到账号“{username}”，或该账号没有登记邮箱。", err=True, fg="red")
        raise SystemExit(1)
    renew_password_link(user)
    db.session.commit()
    try:
        send_password_link(user)
    except MailError as exc:
        click.secho(f"邮件未能发送：{exc}", err=True, fg="red")
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"已向 {user.email} 发送设置密码的链接。")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(out: str) -> None:
    """Back up the database and the upload directory into OUT (.tar)."""
    info = backup(out)
    click.echo(f"已备份到 {out}：{info.kind} 数据库（" + "，".join(f"{k} {v}" for k, v in info.counts.items())
               + f"），上传文件 {info.files} 个。")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(path: str) -> None:
    """Restore a backup into the configured (empty) database and the upload directory."""
    try:
        info = restore(path)
    except WorkflowError as exc:
        click.secho(str(exc), err=True, fg="red")
        raise SystemExit(1) from None
    click.echo(f"已恢复 {info.created_at} 的备份：" + "，".join(f"{k} {v}" for k, v in info.counts.items())
               + f"，上传文件 {info.files} 个。")


commands = [init_db, seed_demo_command, create_user_command, rollup_command, import_units_command,
            send_password_link_command, reminders_group, backup_command, restore_command, *documents.commands]
