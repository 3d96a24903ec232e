"""`assistant run-script`: replay tester scenarios and write JSON, JUnit and HTML reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ...config import Settings


@click.command("run-script")
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Directory for report.json, junit.xml and report.html.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
@click.pass_obj
def run_script(settings: Settings, scenarios: tuple[Path, ...], report_dir: Path, progress: bool) -> None:
    """Run SCENARIO.yaml files (recorded or typed questions with expectations).

    Exit code 0 when every expectation holds, 1 when any fails, 2 when a
    scenario cannot be used (its problems are printed, the others still run).
    """
    from ..scenarios.report import write_reports
    from ..scenarios.runner import run_scenarios

    run = run_scenarios(scenarios, settings, progress=progress)
    for error in run.errors:
        for problem in error.problems:
            click.echo(f"UNUSABLE {error.path}: {problem}", err=True)
    for scenario in run.scenarios:
        passed = len(scenario.turns) - scenario.failures
        click.echo(f"{'PASS' if scenario.passed else 'FAIL'} {scenario.name} ({passed}/{len(scenario.turns)} turns)")
        for turn in scenario.turns:
            for reason in turn.reasons:
                click.echo(f"  turn {turn.index + 1} ({turn.label}): {reason}")
            for warning in turn.warnings:
                click.echo(f"  turn {turn.index + 1} ({turn.label}): warning: {warning}")
    paths = write_reports(run, report_dir)
    click.echo(f"reports: {paths['html']} · {paths['junit']} · {paths['json']}", err=True)
    sys.exit(run.exit_code)
