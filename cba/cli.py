"""The ``cba`` command: render reports, validate parameter files, list sites.

Exit codes: 0 all good, 1 some site failed to render, 2 bad input (an invalid
parameter file, an unknown site, a bad option). Bad input is reported as one
line per problem naming the file, key path, value and what is allowed, never
as a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .exceptions import CBAError, ParameterError
from .i18n import LANGUAGES

__all__ = ["main", "cli"]

EXIT_OK, EXIT_SITE_FAILED, EXIT_BAD_INPUT = 0, 1, 2
#: Most Monte Carlo draws a run accepts (memory is bounded by chunks; time is not).
MAX_DRAWS = 1_000_000
#: Monte Carlo draws of a run unless told otherwise (`cba run` and `make reports`).
DEFAULT_DRAWS = 1000


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="border-cba", prog_name="cba")
def cli():
    """Cost-benefit analysis of pre-clearance options at US-Mexico land ports.

    \b
    Typical use:
      cba validate                 check every shipped parameter file
      cba run                      render every site's report into reports/
      cba run pharr_reynosa        render one site
      cba sites                    list the shipped sites
      cba calibrate SPEC           fit calibrated values into parameters/calibrated/
      cba case                     run the hindcasts and measured levels
      cba allocate SITE --budget USD   where an overtime budget pays most
      cba resumption SITE          how a port recovers from a closure
      cba cache clear              empty the cache of fits and report results
    """


@cli.command()
@click.argument("sites", nargs=-1)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Sites rendered in parallel (default: one per CPU core).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="reports",
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--draws",
    type=click.IntRange(min=0, max=MAX_DRAWS),
    default=DEFAULT_DRAWS,
    show_default=True,
    help="Monte Carlo draws (0 = deterministic run at central values); "
    "`make reports` uses the same default.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=20250101,
    show_default=True,
    help="Random seed (a whole number >= 0).",
)
@click.option(
    "--params-dir",
    type=click.Path(file_okay=False),
    default="parameters",
    show_default=True,
    help="Parameter folder holding sites/ and common/.",
)
@click.option(
    "--notebook",
    type=click.Path(dir_okay=False),
    default="notebooks/site_report.ipynb",
    show_default=True,
    help="Report notebook run for each site.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the sites on a Dask distributed cluster (e.g. tcp://host:8786) "
    "instead of a local process pool.",
)
@click.option(
    "--lang",
    "languages",
    type=click.Choice(list(LANGUAGES)),
    multiple=True,
    help="Report language(s), repeatable [default: en and es].",
)
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print each report to PDF (report.pdf, report.es.pdf) with Chromium.",
)
@click.option(
    "--paper",
    type=click.Choice(["letter", "a4"]),
    default="letter",
    show_default=True,
    help="Paper size of the PDFs.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Render every site, also those whose published report was made from the "
    "same inputs (parameters, notebooks, package, libraries, draws, seed, "
    "languages), which are otherwise kept as they are.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run(
    sites,
    jobs,
    out_dir,
    draws,
    seed,
    params_dir,
    notebook,
    scheduler,
    languages,
    pdf,
    paper,
    force,
    quiet,
):
    """Render reports for SITES (ids from PARAMS_DIR/sites, or paths; none = all).

    Every site file is validated first. Each site renders into
    OUT/<site>/report.html and report.es.html (Spanish), with report.ipynb,
    results.csv, metrics.csv and results.xlsx (inputs with sources, yearly cash
    flows, metrics, stakeholder accounts) and, with --pdf, report.pdf; then
    OUT/summary.csv, OUT/stakeholders.csv, OUT/index.html and OUT/index.es.html
    compare all sites. A failing site does not stop the others; its last good
    report stays. A site whose report in OUT was made from the same inputs is
    kept without running its notebooks (--force renders it again).
    """
    from . import batch

    try:
        files = batch.resolve_sites(sites, params_dir)
    except CBAError as exc:
        _fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    good, bad = [], []
    for f in files:
        try:
            batch.load_checked_site(f)
            good.append(f)
        except ParameterError as exc:
            bad.append(str(exc))
    for msg in bad:
        _fail(msg)
    start = time.perf_counter()
    outcomes = []
    client = None
    if good:
        try:
            executor = None
            if scheduler:
                try:
                    from distributed import Client
                except ImportError:
                    _fail(
                        "--scheduler needs the 'distributed' package: "
                        "pip install 'border-cba[dask]'"
                    )
                    sys.exit(EXIT_BAD_INPUT)
                try:
                    client = Client(scheduler, timeout=30)
                except (OSError, TimeoutError) as exc:
                    _fail(f"cannot reach the Dask scheduler at {scheduler}: {exc}")
                    sys.exit(EXIT_BAD_INPUT)
                executor = client.get_executor()
            outcomes = batch.run_batch(
                good,
                out_dir,
                notebook,
                jobs,
                draws,
                seed,
                executor=executor,
                progress=not quiet,
                languages=tuple(languages) or batch.LANGUAGES_DEFAULT,
                pdf=pdf,
                paper=paper,
                force=force,
            )
        except CBAError as exc:
            _fail(str(exc))
            sys.exit(EXIT_BAD_INPUT)
        except OSError as exc:  # a full disk or a folder that vanished mid-run
            _fail(
                f"cannot write the reports into {out_dir}: {exc.strerror or exc}; "
                "reports published before the fault are kept"
            )
            sys.exit(EXIT_BAD_INPUT)
        finally:
            if client is not None:
                client.close()
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        _fail(f"site {o.site} failed: {o.message}")
    n_ok = len(outcomes) - len(failed)
    kept = sum(o.ok and o.message == batch.KEPT_MESSAGE for o in outcomes)
    click.echo(
        f"{n_ok} of {len(files)} site(s) rendered into {out_dir}/ in "
        f"{time.perf_counter() - start:.1f} s"
        + (
            f" ({kept} unchanged since the last run, kept as they were; "
            "--force renders them again)"
            if kept
            else ""
        )
        + f"; open {out_dir}/index.html"
    )
    if bad:
        sys.exit(EXIT_BAD_INPUT)
    if failed:
        click.echo("failed: " + ", ".join(o.site for o in failed), err=True)
        sys.exit(EXIT_SITE_FAILED)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--params-dir",
    type=click.Path(file_okay=False),
    default="parameters",
    show_default=True,
    help="Used when no FILES are given.",
)
def validate(files, params_dir):
    """Check parameter FILES (default: PARAMS_DIR/common, cases, observations,
    scenarios, calibration, calibrated, sites).

    Prints one line per problem (file, key path, value, what is allowed) and
    exits with 2 if any file is invalid.
    """
    from .params import validate_file

    paths = [Path(f) for f in files]
    if not paths:
        root = Path(params_dir)
        paths = [
            f
            for sub in (
                "common",
                "cases",
                "observations",
                "scenarios",
                "calibration",
                "calibrated",
                "sites",
            )
            for f in sorted((root / sub).glob("*.yaml"))
        ]
        if not paths:
            _fail(f"no parameter files found under {root}")
            sys.exit(EXIT_BAD_INPUT)
    n_bad = 0
    from .batch import load_checked_site

    for p in paths:
        try:
            kind = validate_file(p)
            if kind == "site":
                load_checked_site(p)
            click.echo(f"ok   {p} ({kind})")
        except ParameterError as exc:
            n_bad += 1
            _fail(str(exc))
    if n_bad:
        sys.exit(EXIT_BAD_INPUT)


@cli.command()
@click.argument(
    "specs", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True)
)
@click.option(
    "--date",
    "calibrated_on",
    default=None,
    metavar="YYYY-MM-DD",
    help="Date recorded in the calibrated file (default: today, UTC).",
)
def calibrate(specs, calibrated_on):
    """Run the calibrations in SPECS and write their calibrated-values files.

    Each spec (parameters/calibration/*.yaml) names the observations, the
    volumes, its labelled assumptions and where its result goes; the result
    lands in the calibrated-values file its site file refers to, with the
    command and the date. No value is copied by hand.

    A spec of `kind: levels` scales the prior processing times of its
    targets by one factor so the site's model reproduces its measured levels
    (parameters/observations/<site>.yaml), weighted by their strength; it
    takes about 10 s per spec. Other specs fit a lane's processing rate to
    CBP's hour-by-hour posted waits.

    \b
    Examples:
      cba calibrate parameters/calibration/pharr_reynosa_trucks_levels.yaml
      cba calibrate parameters/calibration/*.yaml
    """
    import datetime as dt
    import os

    from .analysis.calibration import calibrated_document, calibrated_yaml
    from .analysis.levels import level_calibrated_document
    from .batch import write_text_atomic
    from .params import read_yaml

    day = calibrated_on or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        _fail(f"--date: '{day}' is not a date; allowed: YYYY-MM-DD")
        sys.exit(EXIT_BAD_INPUT)
    for spec in specs:
        rel = Path(os.path.relpath(Path(spec).resolve(), Path.cwd()))
        path = rel if not str(rel).startswith("..") else Path(spec)
        try:
            levels = (read_yaml(path) or {}).get("kind") == "levels"
            run = level_calibrated_document if levels else calibrated_document
            doc, out = run(path, day)
        except CBAError as exc:
            _fail(str(exc))
            sys.exit(EXIT_BAD_INPUT)
        write_text_atomic(out, calibrated_yaml(doc))
        click.echo(f"wrote {out}")


@cli.command("sites")
@click.option(
    "--params-dir",
    type=click.Path(file_okay=False),
    default="parameters",
    show_default=True,
)
def sites_cmd(params_dir):
    """List the shipped sites and their options (exit 2 if any site file is bad)."""
    from .batch import load_checked_site

    files = sorted((Path(params_dir) / "sites").glob("*.yaml"))
    if not files:
        _fail(
            f"no site files in {Path(params_dir) / 'sites'} (--params-dir {params_dir})"
        )
        sys.exit(EXIT_BAD_INPUT)
    n_bad = 0
    for f in files:
        try:
            s = load_checked_site(f)
        except ParameterError as exc:
            _fail(str(exc))
            n_bad += 1
            continue
        opts = ", ".join(s.file.options)
        click.echo(f"{s.id:28s} {s.info.name}  [{opts}]")
    if n_bad:
        sys.exit(EXIT_BAD_INPUT)


@cli.command("case")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--params-dir",
    type=click.Path(file_okay=False),
    default="parameters",
    show_default=True,
    help="Parameter folder (sites/, cases/, observations/).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write every row (predicted, reported, band) to this CSV file.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also render every shipped case and level into this page "
    "(notebooks/validation.ipynb; `make reports` writes reports/validation.html, "
    "which the index links).",
)
def case_cmd(files, params_dir, csv_path, html_path):
    """Run hindcast cases and measured levels: predicted against reported.

    FILES are case files (parameters/cases/*.yaml: a site, a period, changes
    to its status quo, the reported outcomes with their bands) or a site's
    observations (parameters/observations/*.yaml: levels measured under the
    staffing of their time). Without FILES, every shipped case and
    observations file is run.

    Each line gives the reported and predicted figure, the band, and IN BAND,
    MISS, or KNOWN MISS (a miss the file records with its reason). Exit 0 when
    the cases ran, whatever their verdicts; 2 on a bad file.

    \b
    Example:
      cba case parameters/cases/*.yaml
    """
    from .analysis.cases import case_table_lines, run_files

    paths = [Path(f) for f in files]
    if not paths:
        root = Path(params_dir)
        paths = sorted((root / "cases").glob("*.yaml")) + sorted(
            (root / "observations").glob("*.yaml")
        )
        if not paths:
            _fail(f"no case or observations files under {root}")
            sys.exit(EXIT_BAD_INPUT)
    try:
        table = run_files(paths, params_dir)
    except CBAError as exc:
        _fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    for line in case_table_lines(table):
        click.echo(line)
    if csv_path:
        from .batch import write_text_atomic

        write_text_atomic(
            Path(csv_path), table.to_csv(index=False, float_format="%.6g")
        )
        click.echo(f"wrote {csv_path}")
    if html_path:
        from .batch import render_validation

        render_validation(html_path, params_dir)
        click.echo(f"wrote {html_path}")


def _site_csv(path: Path, frames, float_format: str | None = None) -> None:
    """Write per-site tables as one CSV, the ``site`` column first."""
    import pandas as pd

    from .batch import write_text_atomic

    df = pd.concat(frames, ignore_index=True)
    first = ["site"] + [c for c in df.columns if c != "site"]
    write_text_atomic(path, df[first].to_csv(index=False, float_format=float_format))


@cli.command("allocate")
@click.argument("sites", nargs=-1)
@click.option(
    "--budget",
    type=click.FloatRange(min=0),
    default=None,
    metavar="USD",
    help="Overtime budget a year, in the report dollars of each site (e.g. 1000000).",
)
@click.option(
    "--target-minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="M",
    help="Instead of a budget: the cheapest staffing that keeps the 95th-percentile "
    "wait of every hour at or under M minutes, for every stream.",
)
@click.option(
    "--block-hours",
    type=click.IntRange(1, 24),
    default=1,
    show_default=True,
    help="Hours an added booth is staffed at a stretch (4 or 8 for shifts).",
)
@click.option(
    "--portfolio",
    is_flag=True,
    help="Split the --budget across the sites instead (a national budget): "
    "each site's NPV against its budget in the full model, and the split "
    "with the highest total.",
)
@click.option(
    "--params-dir",
    type=click.Path(file_okay=False),
    default="parameters",
    show_default=True,
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Write allocation.csv (booths added by site, stream, kind of day and "
    "hour), marginal.csv (the value of every candidate block) and "
    "allocation_summary.csv into this folder (with --portfolio: "
    "portfolio.csv and budget_curves.csv).",
)
def allocate_cmd(
    sites, budget, target_minutes, block_hours, portfolio, params_dir, csv_dir
):
    """Where the next officer-hour pays most: allocate an overtime budget.

    For each site (ids or paths; none = every shipped site) the value of
    one more booth in every hour and kind of day (weekdays, Saturdays,
    Sundays) comes from the site's own appraisal; an integer program picks
    the blocks that maximise NPV within the budget and the lanes, and the
    choice is then improved against the full model until no single added,
    dropped or swapped block does better. Prints the allocation, its NPV and
    the site's shipped sponsor-staffing option at the same budget. About 10
    to 30 s a site.

    With --portfolio, the budget is a national one: it is split across the
    sites (every shipped site when none is named) so that their summed NPV
    is highest, and the frontier of total NPV against budget is printed
    with the order in which the sites enter. About 4 s a site.

    With --target-minutes M instead, it finds the cheapest added staffing
    that keeps the 95th-percentile wait of every hour (over the year's days,
    first year of operation) at or under M minutes, and lists the hours
    that stay above it with every lane staffed.

    \b
    Examples:
      cba allocate pharr_reynosa --budget 1000000
      cba allocate --budget 500000 --block-hours 4 --csv reports/allocation
      cba allocate brownsville_veterans --target-minutes 30
      cba allocate --portfolio --budget 5000000
    """
    import pandas as pd

    from . import allocation
    from .batch import load_checked_site, resolve_sites

    if (budget is None) == (target_minutes is None):
        _fail("give --budget USD or --target-minutes M (one of them)")
        sys.exit(EXIT_BAD_INPUT)
    if portfolio and budget is None:
        _fail("--portfolio splits a --budget USD across sites; give --budget")
        sys.exit(EXIT_BAD_INPUT)
    try:
        paths = resolve_sites(sites, params_dir)
        loaded = [load_checked_site(p) for p in paths]
    except CBAError as exc:
        _fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    if portfolio:
        _portfolio(loaded, budget, block_hours, csv_dir)
        return
    if target_minutes is not None:
        frames = []
        for site in loaded:
            res = allocation.service_level(site, target_minutes)
            click.echo(
                f"{site.id}: 95th-percentile wait of every hour at or under "
                f"{target_minutes:g} minutes"
            )
            click.echo(
                f"  added staffing {res.annual_cost:,.0f} USD a year, NPV "
                f"{res.npv / 1e6:,.2f} M USD ({res.rounds} appraisals)"
            )
            for (sid, kind), g in res.table.groupby(["stream", "kind"], sort=True):
                click.echo(f"  {sid}, {kind}: {allocation.hour_spans(g)}")
            if res.unmet:
                hours = ", ".join(f"{s} {h:02d} h" for s, h in res.unmet)
                click.echo(f"  above the target with every lane staffed: {hours}")
            frames.append(res.table.assign(site=site.id))
        if csv_dir:
            out = Path(csv_dir)
            out.mkdir(parents=True, exist_ok=True)
            _site_csv(out / "service_level.csv", frames)
            click.echo(f"wrote service_level.csv in {out}")
        return
    rows, marginal, summary = [], [], []
    for site in loaded:
        try:
            res = allocation.allocate(site, budget, block_hours=block_hours)
            cmp = allocation.sponsor_comparison(site, budget)
        except CBAError as exc:
            _fail(str(exc))
            sys.exit(EXIT_BAD_INPUT)
        for line in allocation.summary_lines(site, res, budget):
            click.echo(line)
        if cmp is not None:
            click.echo(
                f"  shipped {cmp['option']}: NPV {cmp['npv'] / 1e6:,.2f} M USD for "
                f"{cmp['annual_cost']:,.0f} USD a year; at this budget "
                f"{cmp['scaled_npv'] / 1e6:,.2f} M USD"
            )
        rows.append(res.table.assign(site=site.id))
        marginal.append(res.marginal.assign(site=site.id))
        summary.append(
            {
                "site": site.id,
                "budget_usd_per_year": budget,
                "block_hours": block_hours,
                "npv_usd": res.npv,
                "annual_cost_usd": res.annual_cost,
                "iterations": res.iterations,
                "converged": res.converged,
                "separable_npv_usd": res.separable_npv["integer_program"],
                "sponsor_option_scaled_npv_usd": None
                if cmp is None
                else cmp["scaled_npv"],
                "dollar_year": site.info.report_dollar_year,
            }
        )
    if csv_dir:
        out = Path(csv_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, frames in (
            ("allocation.csv", rows),
            ("marginal.csv", marginal),
            ("allocation_summary.csv", [pd.DataFrame(summary)]),
        ):
            _site_csv(out / name, frames, float_format="%.6g")
        click.echo(
            f"wrote allocation.csv, marginal.csv, allocation_summary.csv in {out}"
        )


def _portfolio(loaded, budget, block_hours, csv_dir) -> None:
    """``cba allocate --portfolio``: a national budget split across sites."""
    import pandas as pd
    from tqdm.auto import tqdm

    from . import allocation

    curves = []
    # The bar goes to stderr, and only on a terminal: stdout stays the table.
    for site in tqdm(
        loaded, desc="sites", unit="site", disable=not sys.stderr.isatty()
    ):
        curves.append(allocation.budget_curve(site, block_hours=block_hours))
    c = pd.concat(curves, ignore_index=True)
    split = allocation.portfolio(c, budget)
    # Up to what every site's worthwhile hours cost in all: beyond it the
    # frontier is flat.
    top = float(c.groupby("site").annual_cost.max().sum())
    budgets = sorted(
        {*(b for b in allocation.FRONTIER_BUDGETS if b < top), top, float(budget)}
    )
    front = allocation.frontier(c, tuple(budgets))
    names = {s.id: s.info.name for s in loaded}
    click.echo(
        f"best split of {budget:,.0f} USD a year of overtime across "
        f"{len(loaded)} site(s): NPV {split.npv.sum() / 1e6:,.1f} M USD for "
        f"{split.annual_cost.sum():,.0f} USD a year"
    )
    for r in split.sort_values("annual_cost", ascending=False).itertuples():
        if r.annual_cost > 0:
            click.echo(
                f"  {names[r.site]}: {r.annual_cost:,.0f} USD a year, "
                f"NPV {r.npv / 1e6:,.1f} M USD"
            )
    click.echo("frontier (national budget -> total NPV):")
    for b, g in front.groupby("budget", sort=True):
        click.echo(
            f"  {b:>12,.0f} USD a year -> {g.total_npv.iloc[0] / 1e6:,.1f} M USD "
            f"(spent {g.total_cost.iloc[0]:,.0f})"
        )
    order = allocation.entry_order(c)
    click.echo("sites in the order they enter:")
    for r in order.itertuples():
        at = (
            "never (no added booth-hour is worth its cost)"
            if pd.isna(r.enters_at)
            else f"from {r.enters_at:,.0f} USD a year"
        )
        click.echo(f"  {names[r.site]}: {at}")
    if csv_dir:
        out = Path(csv_dir)
        out.mkdir(parents=True, exist_ok=True)
        _site_csv(out / "budget_curves.csv", [c], float_format="%.6g")
        _site_csv(out / "portfolio.csv", [front], float_format="%.6g")
        click.echo(f"wrote budget_curves.csv, portfolio.csv in {out}")


@cli.command("resumption")
@click.argument("site")
@click.option(
    "--scenario",
    "scenario_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Scenario file (repeatable; default: every file in "
    "parameters/scenarios/ for the site).",
)
@click.option(
    "--params-dir",
    type=click.Path(file_okay=False),
    default="parameters",
    show_default=True,
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Write resumption_hours.csv (queue and waits hour by hour, with and "
    "without the event), resumption_summary.csv (by stream), "
    "resumption_cost.csv (by component) and resumption_options.csv into this "
    "folder.",
)
def resumption_cmd(site, scenario_files, params_dir, csv_dir):
    """How a port recovers from a closure or slowdown, what it costs, and
    which resumption options pay.

    The site's own stage model (booths staffed for the kind of day, every
    stage in order) runs hour by hour from a normal day through the event
    and the days after it, until waits are back within 10 % (or a minute) of
    normal. Users who meet the event defer, divert to the sibling crossing
    or give up, by the scenario's shares. The event's cost is valued with
    the appraisal's values; each option (surge staffing, a joint bi-national
    reopening, pre-cleared traffic routed around the closed stage) is
    compared with doing nothing by the cost it avoids against its own cost.

    \b
    Examples:
      cba resumption pharr_reynosa
      cba resumption pharr_reynosa --csv out
      cba resumption pharr_reynosa --scenario FILE.yaml
    """
    import pandas as pd

    from . import resumption
    from .batch import load_checked_site, resolve_sites

    try:
        (path,) = resolve_sites([site], params_dir)
        loaded = load_checked_site(path)
        files = [Path(f) for f in scenario_files] or sorted(
            p
            for p in (Path(params_dir) / "scenarios").glob("*.yaml")
            if resumption.load_scenario(p).scenario.site == loaded.id
        )
        if not files:
            raise ParameterError(
                f"no scenario for site '{loaded.id}' in "
                f"{Path(params_dir) / 'scenarios'}",
                key_path="scenario",
            )
        scenarios = [resumption.load_scenario(f) for f in files]
        frames: dict[str, list] = {
            "hours": [],
            "summary": [],
            "cost": [],
            "options": [],
        }
        for scn in scenarios:
            table = resumption.compare_options(loaded, scn)
            for line in resumption.summary_lines(loaded, scn, table):
                click.echo(line)
            if csv_dir:
                sid = scn.scenario.id
                base = resumption.recovery(loaded, scn)
                frames["hours"].append(base["hours"].assign(scenario=sid))
                frames["summary"].append(base["summary"].assign(scenario=sid))
                frames["cost"].append(base["cost"].assign(scenario=sid))
                frames["options"].append(table.assign(scenario=sid))
    except CBAError as exc:
        _fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    if csv_dir:
        from .batch import write_text_atomic

        out = Path(csv_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, parts in frames.items():
            df = pd.concat(parts, ignore_index=True)
            cols = ["scenario"] + [c for c in df.columns if c != "scenario"]
            write_text_atomic(
                out / f"resumption_{name}.csv",
                df[cols]
                .assign(site=loaded.id)
                .to_csv(index=False, float_format="%.6g"),
            )
        click.echo(
            f"wrote resumption_hours.csv, resumption_summary.csv, "
            f"resumption_cost.csv, resumption_options.csv in {out}"
        )


@cli.command("new-site")
@click.argument("site_id")
@click.option(
    "--port",
    "port_code",
    required=True,
    help="BTS port code, e.g. 2506 (Otay Mesa) or 2402+2401 (El Paso area).",
)
@click.option("--name", default=None, help="Display name (default: the BTS port name).")
@click.option(
    "--params-dir",
    type=click.Path(file_okay=False),
    default="parameters",
    show_default=True,
)
@click.option("--force", is_flag=True, help="Overwrite an existing site file.")
def new_site(site_id, port_code, name, params_dir, force):
    """Scaffold PARAMS_DIR/sites/SITE_ID.yaml for a port from the shipped BTS data.

    The file is valid at once (volumes follow the port's data; other values are
    generic, labelled assumptions to replace) and is checked before it is written.
    """
    import tempfile

    from .appraisal.feasibility import check_site
    from .params import load_common, load_site
    from .scaffold import new_site_document, render_site_yaml

    target = Path(params_dir) / "sites" / f"{site_id}.yaml"
    if target.exists() and not force:
        _fail(f"{target} exists; use --force to overwrite")
        sys.exit(EXIT_BAD_INPUT)
    try:
        days = {}  # the shared operating days; the probe below reports a bad folder
        try:
            common = load_common(Path(params_dir) / "common")[0]
            days["days_per_year"] = float(common["days_per_year"].value)
            days["weekend"] = {
                mode: (
                    float(common[f"saturday_ratio_{mode}"].value),
                    float(common[f"sunday_ratio_{mode}"].value),
                )
                for mode in ("truck", "passenger_vehicle")
                if f"saturday_ratio_{mode}" in common
            }
        except (CBAError, KeyError):
            pass
        text = render_site_yaml(new_site_document(site_id, port_code, name, **days))
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / f"{site_id}.yaml"
            probe.write_text(text, encoding="utf-8")
            check_site(load_site(probe, Path(params_dir) / "common"))
    except CBAError as exc:
        _fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(
        f"wrote {target}; edit its assumptions, then: "
        f"cba validate {target} && cba run {site_id}"
    )


@cli.group("cache")
def cache_cmd():
    """The on-disk cache of demand fits and of the reports' site results.

    Fits are keyed by the SHA-256 of the data fitted, the fitting code's version
    and the versions of numpy, scipy and statsmodels; a report's appraisal,
    allocation, risk numbers and resilience values by their arguments, the
    package's files and the numerical libraries' versions; so a stale entry is
    never read. It lives in $CBA_CACHE_DIR (``off`` turns it off), else
    $XDG_CACHE_HOME/border-cba, else ~/.cache/border-cba.
    """


@cache_cmd.command("clear")
def cache_clear():
    """Empty the cache (the next run refits and recomputes everything)."""
    from . import cache, demand

    demand.clear_caches()
    where = cache.clear()
    if where is None:
        click.echo(f"the cache is off (${cache.ENV}); nothing to clear")
    else:
        click.echo(f"emptied {where}")


@cache_cmd.command("info")
def cache_info_cmd():
    """Where the cache is and what it holds."""
    from . import cache

    where = cache.cache_dir()
    if where is None:
        click.echo(f"the cache is off (${cache.ENV})")
        return
    files, size = cache.size()
    click.echo(f"{where}: {files} files, {size / 1e6:.1f} MB")


def main(argv=None):
    """Entry point of the ``cba`` console script."""
    try:
        cli.main(args=argv, prog_name="cba", standalone_mode=True)
    except (
        CBAError
    ) as exc:  # pragma: no cover - safety net: bad input never shows a traceback
        _fail(str(exc))
        sys.exit(EXIT_BAD_INPUT)


if __name__ == "__main__":  # pragma: no cover
    main()
