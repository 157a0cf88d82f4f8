"""Batch runs: papermill per site, HTML export, cross-site summary and index.

Main functions: :func:`run_batch`, :func:`run_site`, :func:`export_html`,
:func:`resolve_sites`, :func:`write_summary`, :func:`write_index`.

Each site renders into a temporary folder beside its published folder and
replaces ``reports/<site>/`` only when everything succeeded (an atomic rename),
so a failed or interrupted run never leaves a half-written report and never
removes the last good one. A failed site's executed notebook is kept as
``reports/<site>/report.failed.ipynb`` for diagnosis.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import fcntl
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from .exceptions import CBAError, ParameterError, ReportError, did_you_mean
from .i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    N_,
    _,
    check_language,
    language,
    use_language,
)
from .params import find_common_dir, load_site
from .report.pdf import PRINT_CSS
from .report.text import fmt_num, fmt_pct, report_name, sig3
from .vocab import BASE_RATE, SUMMARY_COLUMNS

__all__ = [
    "SiteOutcome",
    "load_checked_site",
    "write_text_atomic",
    "prepare_out",
    "remove_leftovers",
    "resolve_sites",
    "run_site",
    "run_batch",
    "export_html",
    "write_summary",
    "write_index",
    "SUMMARY_COLUMNS",
]

REPORT_NAME = "report"
#: Languages a run renders unless told otherwise (the first writes the results).
LANGUAGES_DEFAULT = ("en", "es")
#: Lock file of an output folder: one run writes to a folder at a time.
LOCK_NAME = ".cba-run.lock"
#: Digest of everything a site's published report was made from (see
#: :func:`inputs_digest`): a run that would make it from the same inputs keeps it.
INPUTS_NAME = ".inputs.sha256"
#: The message of a site kept because its report was made from the same inputs.
KEPT_MESSAGE = "unchanged: the published report was made from the same inputs"
#: Libraries whose versions change a report's pages, beside the numerical
#: stack of :data:`cba.cache.LIBRARIES`.
RENDER_LIBRARIES = ("matplotlib", "seaborn", "nbconvert", "papermill", "babel")
PR_SET_PDEATHSIG = 1  # linux/prctl.h
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class SiteOutcome:
    """Result of rendering one site."""

    site: str
    ok: bool
    seconds: float
    message: str = ""
    path: str = ""


def load_checked_site(path: str | Path):
    """Load a site file and check that it can be appraised (what ``cba validate``
    and ``cba run`` both do): :func:`cba.params.load_site`, then
    :func:`cba.appraisal.feasibility.check_site`."""
    from .appraisal.feasibility import check_site

    site = load_site(path)
    check_site(site)
    return site


def resolve_sites(
    names: list[str] | tuple[str, ...], params_dir: str | Path = "parameters"
) -> list[Path]:
    """Turn site ids or paths into site files; no names means every shipped site.

    Raises
    ------
    ParameterError
        For an id that is neither a file nor a site in ``params_dir/sites``.
    """
    sites_dir = Path(params_dir) / "sites"
    if not names:
        files = sorted(sites_dir.glob("*.yaml"))
        if not files:
            raise ParameterError(f"no site files found in {sites_dir}")
        return files
    out = []
    known = sorted(p.stem for p in sites_dir.glob("*.yaml"))
    for name in names:
        p = Path(name)
        if p.suffix in (".yaml", ".yml") or p.exists():
            if not p.exists():
                raise ParameterError("file not found", file=str(p))
            out.append(p)
            continue
        cand = sites_dir / f"{name}.yaml"
        if not cand.exists():
            raise ParameterError(
                f"unknown site '{name}'{did_you_mean(name, known)}; known sites: "
                f"{', '.join(known) or 'none'} (in {sites_dir}; run from the project "
                "folder or give --params-dir)"
            )
        out.append(cand)
    return out


def export_html(
    ipynb_path: str | Path,
    html_path: str | Path,
    title: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> None:
    """Export an executed notebook to self-contained HTML without code.

    Uses nbconvert's ``HTMLExporter`` with ``exclude_input=True`` and the
    ``TagRemovePreprocessor`` (``remove-cell``, ``remove-input``,
    ``remove-output``), and the package's ``cba_report`` template: the lab
    layout without external scripts (no MathJax or RequireJS from a CDN), images
    embedded as data URIs with alt text.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    c.TagRemovePreprocessor.remove_input_tags = ("remove-input",)
    c.TagRemovePreprocessor.remove_all_outputs_tags = ("remove-output",)
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]
    c.HTMLExporter.template_name = "cba_report"
    c.HTMLExporter.language_code = lang
    exporter = HTMLExporter(config=c)
    exporter.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    nb = nbformat.read(str(ipynb_path), as_version=4)
    resources = {"metadata": {"name": title}} if title else None
    body, _resources = exporter.from_notebook_node(nb, resources=resources)
    # The print rules come last, after the lab styles they override.
    body = body.replace("</head>", f"<style>{PRINT_CSS}</style>\n</head>", 1)
    Path(html_path).write_text(body, encoding="utf-8")


def _check_injected(notebook: Path, parameters: dict) -> None:
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ReportError(
            f"{notebook}: unknown notebook parameter(s) {unknown}; the parameters cell "
            f"declares: {sorted(declared)}"
        )


def run_site(
    site_file: str | Path,
    out_root: str | Path,
    notebook: str | Path,
    n_draws: int = 0,
    seed: int = 20250101,
    languages: tuple[str, ...] = LANGUAGES_DEFAULT,
    pdf: bool = False,
    paper: str = "letter",
    force: bool = False,
) -> SiteOutcome:
    """Render one site's report in each language (``report.html``,
    ``report.es.html``, and with ``pdf`` their PDFs); publish them atomically,
    all or none, on success.

    The first language's run writes the result files (CSVs, ``results.xlsx``);
    the others render the same appraisal (same seed, so the same numbers) in
    their language. A site whose published report was made from the same
    inputs (:func:`inputs_digest`) is kept as it is, unless ``force``. Returns
    a :class:`SiteOutcome`; never raises for a failing site.
    """

    start = time.perf_counter()
    site_file = Path(site_file).resolve()
    out_root = Path(out_root).resolve()
    notebook = Path(notebook).resolve()
    try:
        site = load_checked_site(site_file)
    except CBAError as exc:
        return SiteOutcome(site_file.stem, False, time.perf_counter() - start, str(exc))
    sid = site.id
    final = out_root / sid
    try:
        digest = inputs_digest(
            site, site_file, notebook, n_draws, seed, languages, pdf, paper
        )
    except (OSError, CBAError) as exc:
        return SiteOutcome(sid, False, time.perf_counter() - start, str(exc))
    if not force and _published_from(final, digest, languages, pdf):
        return SiteOutcome(
            sid,
            True,
            time.perf_counter() - start,
            KEPT_MESSAGE,
            str(final),
        )
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{sid}.", suffix=".tmp", dir=out_root))
    out_nb = tmp / f"{REPORT_NAME}.ipynb"
    try:
        for i, lang in enumerate(languages):
            check_language(lang)
            params = {
                "site_file": str(site_file),
                "n_draws": int(n_draws),
                "seed": int(seed),
                "results_dir": str(tmp) if i == 0 else "",
                "common_dir": str(find_common_dir(site_file)),
                "language": lang,
            }
            _check_injected(notebook, params)
            out_nb = tmp / report_name(lang).replace(".html", ".ipynb")
            _execute(notebook, out_nb, params)
            html_path = tmp / report_name(lang)
            with use_language(lang):
                title = _("{site}: pre-clearance cost-benefit report").format(
                    site=site.info.name
                )
            export_html(out_nb, html_path, title=title, lang=lang)
            if pdf:
                from .report.pdf import write_pdf

                write_pdf(html_path, html_path.with_suffix(".pdf"), paper=paper)
        expected = _report_files(languages, pdf)
        expected += _render_resumption(
            site, site_file, notebook.parent / RESUMPTION_NOTEBOOK, tmp, languages
        )
        for name in expected:
            if not (tmp / name).exists():
                raise ReportError(f"{sid}: the notebook did not write {name}")
        (tmp / INPUTS_NAME).write_text(digest + "\n", encoding="utf-8")
        _publish(tmp, final)
        return SiteOutcome(sid, True, time.perf_counter() - start, "", str(final))
    except BaseException as exc:  # noqa: BLE001 - keep the batch going, report the failure
        if isinstance(exc, KeyboardInterrupt):
            # Interrupted, not failed: drop the unfinished work, leave the
            # published report alone.
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            if out_nb.exists():
                final.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(out_nb, final / f"{REPORT_NAME}.failed.ipynb")
        except OSError:
            pass  # a full disk: the message below still says what failed
        shutil.rmtree(tmp, ignore_errors=True)
        msg = _short_error(exc)
        return SiteOutcome(sid, False, time.perf_counter() - start, msg, str(final))


def inputs_digest(
    site,
    site_file: Path,
    notebook: Path,
    n_draws: int,
    seed: int,
    languages: tuple[str, ...],
    pdf: bool,
    paper: str,
) -> str:
    """SHA-256 of everything a site's report is made from: the loaded site (its
    file, the shared parameters and its calibrated values, by content), its
    measured levels and disruption scenarios, the report and resumption
    notebooks, the package's code and data (:func:`cba.cache.package_version`),
    the versions of the numerical and rendering libraries, and the run's draws,
    seed, languages and PDF settings."""
    import hashlib

    import joblib

    from . import cache, resumption
    from .analysis.cases import observations_path

    files = [observations_path(site), notebook, notebook.parent / RESUMPTION_NOTEBOOK]
    files += resumption.scenario_files(site.id, resumption.scenarios_beside(site_file))
    h = hashlib.sha256()
    for part in (
        site.id,
        joblib.hash(site),
        cache.package_version(),
        repr(cache.library_versions()),
        repr(cache.library_versions(RENDER_LIBRARIES)),
        repr((int(n_draws), int(seed), tuple(languages), bool(pdf), str(paper))),
        repr(cache.file_digests(files)),
    ):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def _published_from(final: Path, digest: str, languages, pdf: bool) -> bool:
    """Whether ``final`` holds a complete report made from inputs ``digest``."""
    stamp = final / INPUTS_NAME
    if not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != digest:
        return False
    return (
        all((final / n).is_file() for n in _report_files(languages, pdf))
        and not (final / f"{REPORT_NAME}.failed.ipynb").exists()
    )


def _report_files(languages, pdf: bool) -> list[str]:
    """The files a site's report run writes (besides its resumption pages)."""
    names = ["results.csv", "metrics.csv", "results.xlsx"]
    names += [report_name(lang) for lang in languages]
    if pdf:
        names += [report_name(lang)[:-5] + ".pdf" for lang in languages]
    return names


def _execute(notebook: Path, out_nb: Path, params: dict) -> None:
    """Run a report notebook with papermill in its own folder."""
    import papermill

    papermill.execute_notebook(
        str(notebook),
        str(out_nb),
        parameters=params,
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
        log_output=False,
        # The kernel's own log (transport warnings, the interrupt papermill
        # sends when it shuts the kernel down) is noise in a nightly batch;
        # cell errors still reach the failed notebook and the summary.
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )


#: The resumption notebook, beside the site report's.
RESUMPTION_NOTEBOOK = "resumption.ipynb"


def _render_resumption(site, site_file: Path, notebook: Path, tmp: Path, languages):
    """Render the site's resumption page in each language into ``tmp`` when
    it has scenarios (``parameters/scenarios`` beside its file) and the
    notebook exists; return the files it must have written."""

    from .report.recovery import resumption_page_name
    from .resumption import RESULTS_FILE, scenario_files, scenarios_beside

    if not notebook.is_file() or not scenario_files(
        site.id, scenarios_beside(site_file)
    ):
        return []
    written = [RESULTS_FILE]
    for i, lang in enumerate(languages):
        out_nb = tmp / resumption_page_name(lang).replace(".html", ".ipynb")
        _execute(
            notebook,
            out_nb,
            {
                "site_file": str(site_file),
                "results_dir": str(tmp) if i == 0 else "",
                "common_dir": str(find_common_dir(site_file)),
                "language": lang,
            },
        )
        page = tmp / resumption_page_name(lang)
        with use_language(lang):
            title = _("{site}: recovery from emergencies").format(site=site.info.name)
        export_html(out_nb, page, title=title, lang=lang)
        written.append(page.name)
    return written


def _short_error(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).strip().splitlines()
    # papermill's PapermillExecutionError carries the cell's exception name and value
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return f"{name}: {text[0] if text else ''}"


def _publish(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with renames (atomic on one file system).

    The folder gets the user's normal permissions (``0o777`` less the umask),
    not the private ``0o700`` of a temporary folder.
    """
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)
    old = None
    failed = final / f"{REPORT_NAME}.failed.ipynb"
    if failed.exists():
        failed.unlink()
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


#: The batch process that started this worker (set by :func:`_die_with_parent`).
_PARENT: int | None = None


def _run_one(args):
    try:
        return run_site(*args)
    except KeyboardInterrupt:
        if _PARENT is not None and os.getppid() != _PARENT:
            # The batch process is gone (the site has dropped its work): nobody
            # will collect a result, and the pool's result queue would keep
            # this worker alive, asleep, for ever.
            os._exit(1)
        raise


def run_batch(
    site_files: list[Path],
    out_root: str | Path = "reports",
    notebook: str | Path = "notebooks/site_report.ipynb",
    jobs: int | None = None,
    n_draws: int = 0,
    seed: int = 20250101,
    executor: cf.Executor | None = None,
    progress: bool = True,
    languages: tuple[str, ...] = LANGUAGES_DEFAULT,
    pdf: bool = False,
    paper: str = "letter",
    force: bool = False,
) -> list[SiteOutcome]:
    """Render every site (in parallel) in each language, then write the summary
    and the index pages.

    Parameters
    ----------
    site_files : list of Path
    out_root : path
        Output folder (``reports/``).
    notebook : path
        Report notebook.
    jobs : int, optional
        Parallel jobs (default: one per core).
    executor : concurrent.futures.Executor, optional
        Any executor (e.g. a Dask ``distributed.Client.get_executor()``); a
        local process pool when omitted.
    languages : tuple of str
        Report languages (``report.html``, ``report.es.html``, ...).
    pdf, paper : bool, str
        Also print each report to PDF on ``"letter"`` or ``"a4"`` paper.
    force : bool
        Render every site, also those whose published report was made from
        the same inputs (kept otherwise: see :func:`run_site`).
    """

    out_root = Path(out_root)
    notebook = Path(notebook)
    if not notebook.exists():
        raise ReportError(f"notebook not found: {notebook}")
    jobs = jobs or os.cpu_count() or 1
    languages = tuple(check_language(lang) for lang in languages)
    if pdf:
        from .report.pdf import PAPER

        if paper not in PAPER:
            raise ReportError(
                f"paper {paper!r} is not known; allowed: {', '.join(PAPER)}"
            )
    lock = prepare_out(out_root)
    try:
        return _run_locked(
            site_files,
            out_root,
            notebook,
            jobs,
            n_draws,
            seed,
            executor,
            progress,
            (languages, pdf, paper, force),
        )
    finally:
        os.close(lock)


def prepare_out(out_root: Path) -> int:
    """Create the output folder, take its lock and remove what killed runs left.

    Returns the file descriptor holding the lock (close it to release).

    Raises
    ------
    ReportError
        If the folder cannot be created or written, or another run holds it.
    """
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_root / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o666)
    except OSError as exc:
        raise ReportError(
            f"cannot write to the output folder {out_root}: "
            f"{exc.strerror or exc}; allowed: a writable folder"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ReportError(
            f"another cba run is writing to {out_root}; wait for it to "
            "finish or choose another --out"
        ) from None
    remove_leftovers(out_root)
    return fd


def remove_leftovers(out_root: Path) -> None:
    """Remove temporary folders and files that an interrupted or killed run left
    in ``out_root`` (call it only while holding the folder's lock)."""
    for leftover in out_root.glob(".*"):
        if leftover.name == LOCK_NAME:
            continue
        if leftover.name.endswith(".tmp") or ".old-" in leftover.name:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _die_with_parent() -> None:
    """Worker start-up: end with the batch process, and treat SIGTERM as Ctrl-C.

    On Linux the kernel sends the worker SIGTERM when its parent dies
    (``PR_SET_PDEATHSIG``), so a killed batch leaves no worker publishing
    reports later; the handler turns SIGTERM into KeyboardInterrupt, so the
    site being rendered drops its unfinished work and shuts its kernel down.
    """
    global _PARENT
    _PARENT = os.getppid()
    signal.signal(signal.SIGTERM, _interrupt)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def prefit(site_files, progress: bool = False) -> int:
    """Fit every port series the sites use once, into the on-disk cache
    (:mod:`cba.cache`), before their notebooks start: the notebooks, in other
    processes, then read the fits instead of each refitting them. A site that
    does not load is skipped (its own run reports why). Returns the series
    fitted or read. Does nothing when the cache is off."""
    from tqdm.auto import tqdm

    from . import cache
    from .appraisal import traffic

    if cache.cache_dir() is None:
        return 0
    seen = set()
    for f in tqdm(
        list(site_files), desc="demand fits", unit="site", disable=not progress
    ):
        try:
            site = load_checked_site(f)
            seen.update(traffic.outlooks_for(site))
            traffic.forecast_chart(site)
        except Exception:  # noqa: BLE001 - the site's own run reports it
            continue
    return len(seen)


def _run_locked(
    site_files, out_root, notebook, jobs, n_draws, seed, executor, progress, render
) -> list[SiteOutcome]:
    from tqdm.auto import tqdm

    args = [(f, out_root, notebook, n_draws, seed, *render) for f in site_files]
    outcomes: list[SiteOutcome] = []
    own = executor is None
    if own:
        prefit(site_files, progress)
    ex = executor or cf.ProcessPoolExecutor(
        max_workers=min(jobs, max(len(args), 1)), initializer=_die_with_parent
    )
    interrupted = False
    previous = signal.signal(signal.SIGTERM, _interrupt) if own else None
    try:
        futures = {ex.submit(_run_one, a): Path(a[0]).stem for a in args}
        bar = tqdm(total=len(futures), desc="sites", unit="site", disable=not progress)
        for fut in cf.as_completed(futures):
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker fails one site only
                res = SiteOutcome(
                    futures[fut],
                    False,
                    0.0,
                    f"the worker rendering it died ({_short_error(exc)})",
                )
            outcomes.append(res)
            bar.set_postfix_str(f"{res.site}: {'ok' if res.ok else 'FAILED'}")
            bar.update(1)
        bar.close()
    except KeyboardInterrupt:
        interrupted = True
        done = ", ".join(sorted(o.site for o in outcomes if o.ok)) or "none"
        print(
            f"interrupted: sites finished before the interrupt are published ({done}); "
            "no report is half-written; summary and index are unchanged",
            file=sys.stderr,
        )
        raise
    finally:
        if own:
            signal.signal(signal.SIGTERM, previous)
            if interrupted:
                # Stop the workers now: a site still rendering must not publish
                # after the batch was stopped.
                for proc in list(getattr(ex, "_processes", {}).values()):
                    proc.terminate()
            ex.shutdown(wait=True, cancel_futures=True)
        remove_leftovers(out_root)  # a worker that died leaves its temporary folder
    outcomes.sort(key=lambda o: o.site)
    _write_status(out_root, outcomes, n_draws, seed)
    write_summary(out_root)
    write_index(out_root, render[0])
    return outcomes


def _write_status(
    out_root: Path, outcomes: list[SiteOutcome], n_draws: int, seed: int
) -> None:
    path = out_root / "status.json"
    status = {}
    if path.exists():
        try:
            status = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            status = {}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for o in outcomes:
        status[o.site] = {
            **asdict(o),
            "finished_utc": now,
            "n_draws": n_draws,
            "seed": seed,
        }
    write_text_atomic(path, json.dumps(status, indent=2, sort_keys=True))


def _status(out_root: Path) -> dict:
    path = out_root / "status.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_summary(out_root: str | Path) -> pd.DataFrame:
    """Collect every published site's metrics into ``summary.csv`` and
    ``stakeholders.csv`` (a site whose last run failed keeps its last good
    numbers, marked ``status = stale``)."""
    out_root = Path(out_root)
    status = _status(out_root)
    frames, stakes = [], []
    for d in sorted(
        p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        m = d / "metrics.csv"
        if not m.exists():
            continue
        df = pd.read_csv(m)
        st = status.get(d.name, {})
        df["status"] = "ok" if st.get("ok", True) else "stale"
        frames.append(df)
        s = d / "stakeholders.csv"
        if s.exists():
            stakes.append(pd.read_csv(s))
    cols = SUMMARY_COLUMNS
    summary = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    )
    extra = [c for c in summary.columns if c not in cols]
    summary = summary.reindex(columns=cols + extra)  # older files lack new columns
    _to_csv_atomic(summary, out_root / "summary.csv")
    if stakes:
        _to_csv_atomic(
            pd.concat(stakes, ignore_index=True), out_root / "stakeholders.csv"
        )
    return summary


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` beside ``path`` under a name unique to this process, then
    rename it into place: readers never see a half-written file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _to_csv_atomic(df: pd.DataFrame, path: Path) -> None:
    """Write a CSV beside ``path`` and rename it into place (never half-written)."""
    write_text_atomic(path, df.to_csv(index=False, float_format="%.10g"))


def write_index(
    out_root: str | Path, languages: tuple[str, ...] = ("en", "es")
) -> Path:
    """Write ``index.html`` (and ``index.es.html``, ...): all sites x options at
    the base rate, linking each report in the same language.

    The page is ``cba/templates/index.html.j2`` (Jinja2, every value escaped,
    texts through the message catalogue): a sortable table, an inline SVG chart
    of the best NPV per site, and the sites that failed in the last run. No
    external script; works offline. Returns the English page's path.
    """
    out_root = Path(out_root)
    first = None
    for lang in languages:
        with use_language(lang):
            path = _write_index(out_root, languages)
        first = first or path
    return first


def index_name(lang: str) -> str:
    """File name of the index page in ``lang`` (``index.html``, ``index.es.html``)."""
    return "index.html" if lang == DEFAULT_LANGUAGE else f"index.{lang}.html"


def _verdict_label(text: str) -> str:
    if text.startswith("best: "):
        return _("best") + ": " + _(text[len("best: ") :])
    return _(text) if text else ""


#: Status words of the index (a site's last run).
STATUS_WORDS = {"ok": N_("ok"), "stale": N_("stale")}


def _write_index(out_root: Path, languages: tuple[str, ...]) -> Path:
    import jinja2

    lang = language()
    status = _status(out_root)
    summary_path = out_root / "summary.csv"
    s = (
        pd.read_csv(summary_path)
        if summary_path.exists()
        else pd.DataFrame(columns=SUMMARY_COLUMNS)
    )
    base = s[s["rate_name"] == BASE_RATE] if len(s) else s
    has_mc = "p_npv_positive" in base.columns and base["p_npv_positive"].notna().any()
    rows = []
    for site, g in base.groupby("site", sort=True):
        best = _best_option(g)
        for _i, r in g.iterrows():
            rows.append(
                {
                    "best": r["option"] == best,
                    "site": site,
                    "site_name": str(r["site_name"]),
                    "option_name": _option_name(r, lang),
                    "npv_v": f"{r['npv']:.0f}",
                    "npv": sig3(r["npv"] / 1e6),
                    "bcr_v": _num(r["bcr"]),
                    "bcr": _fmt(r["bcr"]),
                    "p_npv_positive": _pct(r.get("p_npv_positive")),
                    "verdict": _verdict_label(
                        str(r.get("verdict", ""))
                        if pd.notna(r.get("verdict", ""))
                        else ""
                    ),
                    "status": _(STATUS_WORDS.get(str(r["status"]), str(r["status"]))),
                }
            )
    failed = [
        {"site": k, "message": v.get("message", "")}
        for k, v in sorted(status.items())
        if not v.get("ok", True)
    ]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(
        gettext=_, ngettext=lambda s, p, n: _(s if n == 1 else p), newstyle=True
    )
    doc = env.get_template("index.html.j2").render(
        portfolio=_portfolio(out_root, base),
        emergencies=_emergencies(out_root, base, lang),
        rows=rows,
        failed=failed,
        has_mc=has_mc,
        chart=_index_chart(base),
        n_sites=base["site"].nunique() if len(base) else 0,
        validation=(out_root / "validation.html").is_file(),
        lang=lang,
        report_file=report_name(lang),
        switch=[
            {"lang": other, "href": index_name(other), "name": LANGUAGE_NAMES[other]}
            for other in languages
            if other != lang
        ],
    )
    path = out_root / index_name(lang)
    write_text_atomic(path, doc)
    return path


#: File each site's report writes with its NPV against its overtime budget
#: (:func:`cba.allocation.budget_curve`).
CURVE_FILE = "allocation_curve.csv"


def _portfolio(out_root: Path, base: pd.DataFrame) -> dict | None:
    """The index's national split of an overtime budget across the sites
    shown (:func:`cba.allocation.frontier`), from the curves their reports
    wrote; also written to ``portfolio.csv``. None: no site has a curve."""
    from . import allocation

    if base is None or not len(base):
        return None
    names = base.groupby("site")["site_name"].first().astype(str).to_dict()
    frames = [
        pd.read_csv(out_root / sid / CURVE_FILE)
        for sid in sorted(names)
        if (out_root / sid / CURVE_FILE).is_file()
    ]
    if not frames:
        return None
    curves = pd.concat(frames, ignore_index=True)
    top = float(curves.groupby("site").annual_cost.max().sum())
    budgets = [b for b in allocation.FRONTIER_BUDGETS if b <= top]
    budgets = tuple(budgets + [top]) if top > 0 else (0.0,)
    front = allocation.frontier(curves, budgets)
    order = allocation.entry_order(curves)
    _to_csv_atomic(front, out_root / "portfolio.csv")
    totals = front.groupby("budget", sort=True)[["total_cost", "total_npv"]].first()
    # The line chart: national budget (M USD a year) against total NPV (M USD).
    width, height, left, bottom = 560, 240, 70, 40
    xmax = max(float(totals.index.max()), 1.0)
    ymax = max(float(totals.total_npv.max()), 1.0)

    def x(b):
        return left + (width - left - 20) * b / xmax

    def y(v):
        return height - bottom - (height - bottom - 20) * v / ymax

    points = [(x(0.0), y(0.0))] + [
        (x(float(b)), y(float(r.total_npv))) for b, r in totals.iterrows()
    ]
    ticks_x = [{"x": x(b), "label": fmt_num(b / 1e6, 1)} for b in _nice_ticks(xmax)]
    ticks_y = [{"y": y(v), "label": fmt_num(v / 1e6, 0)} for v in _nice_ticks(ymax)]
    rows = []
    for b, g in front.groupby("budget", sort=True):
        funded = g[g.annual_cost > 0].sort_values("annual_cost", ascending=False)
        rows.append(
            {
                "budget": fmt_num(b / 1e6, 2),
                "spent": fmt_num(float(g.total_cost.iloc[0]) / 1e6, 2),
                "npv": sig3(float(g.total_npv.iloc[0]) / 1e6),
                "sites": "; ".join(
                    f"{names.get(r.site, r.site)} {fmt_num(r.annual_cost / 1e6, 2)}"
                    for r in funded.itertuples()
                ),
            }
        )
    entry = [
        {
            "site": r.site,
            "name": names.get(r.site, r.site),
            "at": None if pd.isna(r.enters_at) else fmt_num(r.enters_at / 1e6, 2),
        }
        for r in order.itertuples()
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "base": height - bottom,
        "right": width - 20,
        "points": " ".join(f"{a:.1f},{b:.1f}" for a, b in points),
        "dots": [{"x": a, "y": b} for a, b in points],
        "ticks_x": ticks_x,
        "ticks_y": ticks_y,
        "rows": rows,
        "entry": entry,
        "n_sites": len(frames),
    }


def _emergencies(out_root: Path, base: pd.DataFrame, lang: str) -> list[dict]:
    """Rows of the index's emergencies table: each site's scenarios, doing
    nothing against the option that avoids most (from the ``resumption.csv``
    its resumption page wrote)."""
    from .report.recovery import resumption_page_name
    from .resumption import RESULTS_FILE

    if base is None or not len(base):
        return []
    names = base.groupby("site")["site_name"].first().astype(str).to_dict()
    rows = []
    for sid in sorted(names):
        path = out_root / sid / RESULTS_FILE
        if not path.is_file():
            continue
        t = pd.read_csv(path)
        for _scn, g in t.groupby("scenario", sort=True):
            none = g[g.option == "none"].iloc[0]
            opts = g[(g.option != "none") & (g.avoided > g.option_cost)]
            best = opts.loc[opts.avoided.idxmax()] if len(opts) else None
            rec = none.recovery_hours
            rows.append(
                {
                    "site": sid,
                    "site_name": names[sid],
                    "href": f"{sid}/{resumption_page_name(lang)}",
                    "scenario": str(
                        none.scenario_name_es if lang == "es" else none.scenario_name
                    ),
                    "recovery": _("not within the horizon")
                    if pd.isna(rec)
                    else fmt_num(rec, 0),
                    "cost": sig3(none.event_cost / 1e6),
                    "best": "" if best is None else str(best["name"]),
                    "bcr": ""
                    if best is None or pd.isna(best.bcr)
                    else fmt_num(best.bcr, 1) + (" *" if bool(best.flagged) else ""),
                }
            )
    return rows


def _nice_ticks(top: float, n: int = 4) -> list[float]:
    """About ``n`` round values from 0 to ``top``."""
    if top <= 0:
        return [0.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    k = int(math.floor(top / step + 1e-9))
    return [i * step for i in range(k + 1)]


def _option_name(row, lang: str) -> str:
    """An option's name in ``lang`` from a summary row (English when absent)."""
    if lang == "es":
        es = row.get("option_name_es")
        if isinstance(es, str) and es:
            return es
    return str(row["option_name"])


def _best_option(g: pd.DataFrame) -> str | None:
    """The site's best option at the base rate: the one its verdict names
    (:mod:`cba.analysis.verdict`); None when no option is worth doing."""
    if "verdict" in g.columns and g["verdict"].notna().any():
        hit = g[g["verdict"].astype(str).str.startswith("best")]
        return str(hit["option"].iloc[0]) if len(hit) else None
    cand = g[(g["option_kind"] != "status_quo") & g["npv"].notna() & (g["npv"] > 0)]
    return str(cand.loc[cand["npv"].idxmax(), "option"]) if len(cand) else None


def _pct(x):
    return "" if x is None or pd.isna(x) else fmt_pct(x)


def _index_chart(base: pd.DataFrame) -> dict | None:
    """Geometry of the index's bar chart: the best option of each site (sites with
    none worth doing are listed without a bar), bar length on a log scale of the NPV
    in M$ (log10(1 + NPV)). None: nothing to show."""
    if base is None or not len(base):
        return None
    rows = []
    for _site, g in base.groupby("site", sort=True):
        best = _best_option(g)
        name = str(g["site_name"].iloc[0])
        r = g[g["option"] == best].iloc[0] if best is not None else None
        rows.append((name, r))
    rows.sort(key=lambda t: -float(t[1]["npv"]) if t[1] is not None else float("inf"))
    vmax = max([abs(float(r["npv"])) for _name, r in rows if r is not None] + [1.0])
    bar_h, label_w, width = 22, 330, 360
    zero = label_w + 2
    bars = []
    for i, (name, r) in enumerate(rows):
        y = i * bar_h + 4
        # Log scale: sites differ by orders of magnitude (a few M$ to a few B$).
        w = (
            0.0
            if r is None
            else (
                math.log10(1.0 + abs(float(r["npv"])) / 1e6)
                / math.log10(1.0 + vmax / 1e6)
                * width
            )
        )
        value = (
            _("none worth doing")
            if r is None
            else _("{npv} M USD ({option})").format(
                npv=sig3(r["npv"] / 1e6), option=_option_name(r, language())
            )
        )
        bars.append(
            {
                "y": y,
                "w": w,
                "x": zero,
                "color": "#2ca02c",
                "label": name if len(name) <= 48 else name[:45] + "...",
                "value": value,
            }
        )
    return {
        "width": label_w + width + 420,
        "height": bar_h * len(rows) + 30,
        "zero": zero,
        "bar_h": bar_h,
        "label_x": label_w - 6,
        "value_x": label_w + width + 8,
        "bars": bars,
    }


def _num(x):
    return "" if pd.isna(x) else f"{x:.6g}"


def _fmt(x):
    return _("n/a") if pd.isna(x) else fmt_num(x, 1)


def render_validation(
    html_path: str | Path,
    params_dir: str | Path = "parameters",
    notebook: str | Path = "notebooks/validation.ipynb",
) -> Path:
    """Run the validation notebook (every case and measured level) and publish
    it as ``html_path`` (written whole or not at all)."""
    import tempfile

    import papermill

    notebook = Path(notebook).resolve()
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=html_path.parent) as tmp:
        out_nb = Path(tmp) / "validation.ipynb"
        papermill.execute_notebook(
            str(notebook),
            str(out_nb),
            parameters={"params_dir": str(Path(params_dir).resolve())},
            kernel_name="python3",
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=False,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        page = Path(tmp) / "validation.html"
        export_html(out_nb, page, title="border-cba: the model against measurements")
        os.replace(page, html_path)
    return html_path
