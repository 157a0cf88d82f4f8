"""Plain-language text of the site reports: sentences, headings, alt texts.

Every number in a report's prose comes from an :class:`~cba.appraisal.Appraisal`
(or the site's parameters), formatted here, never typed by hand. Text that
comes from parameter files (names, descriptions, sources) is HTML-escaped.

Main functions: :func:`summary_html`, :func:`title_html`, :func:`describe_option`,
:func:`changes_table`, :func:`fmt_usd`, and the alt texts of the figures.
"""

from __future__ import annotations

import html
import math

import pandas as pd
from babel.numbers import format_decimal, format_percent

from ..analysis.verdict import NOT_WORTH_P, WORTH_DOING_P, option_verdicts, sanity_flags
from ..appraisal import Appraisal
from ..i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    N_,
    _,
    language,
    locale,
)
from ..params import (
    Site,
    funding_of,
    iter_params,
    option_parts,
    option_timing,
    parameter_table,
)
from ..vocab import BASE_RATE, DAYS_OF_WEEK, OPTION_KINDS, STAKEHOLDER_NAMES

__all__ = [
    "escape",
    "fmt_usd",
    "sig3",
    "fmt_pct",
    "fmt_irr",
    "fmt_payback",
    "fmt_num",
    "short_label",
    "base_rate_metrics",
    "recommended_option",
    "summary_html",
    "verdicts",
    "sanity_html",
    "title_html",
    "SECTIONS",
    "SECTION_TEXT",
    "SUBSECTIONS",
    "section_html",
    "report_name",
    "verdict_text",
    "describe_option",
    "STAGE_OF_LEVER",
    "STAGE_NAMES",
    "changes_table",
    "waits_alt",
    "components_alt",
    "stakeholders_alt",
    "forecasts_alt",
]


def escape(text) -> str:
    """Text from a parameter file, safe inside HTML."""
    return html.escape(str(text))


def fmt_usd(x: float) -> str:
    """Format dollars for people: three significant figures, k / M / B.

    In Spanish the currency is written after the number ("159 M USD"), since
    "$" alone reads as pesos in Mexico.

    Examples
    --------
    >>> fmt_usd(1234567.0), fmt_usd(165_380_000.0), fmt_usd(1.8153e9)
    ('$1.23 M', '$165 M', '$1.82 B')
    >>> fmt_usd(-5300.0), fmt_usd(640.0)
    ('-$5.30 k', '$640')
    >>> from cba.i18n import use_language
    >>> with use_language("es"):
    ...     fmt_usd(165_380_000.0), fmt_usd(-1.8153e9), fmt_usd(640.0)
    ('165 M USD', '-1.82 mil M USD', '640 USD')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return _("n/a")
    sign = "-" if x < 0 else ""
    a = abs(x)
    es = language() == "es"
    for scale, suffix, suffix_es in (
        (1e9, " B", " mil M"),
        (1e6, " M", " M"),
        (1e3, " k", " mil"),
    ):
        if a >= scale:
            if es:
                return f"{sign}{sig3(a / scale)}{suffix_es} USD"
            return f"{sign}${sig3(a / scale)}{suffix}"
    return f"{sign}{a:.0f} USD" if es else f"{sign}${a:.0f}"


def _decimals(n: int) -> str:
    """Babel number pattern with thousands separators and ``n`` decimals."""
    return "#,##0" + ("." + "0" * n if n > 0 else "")


def sig3(x: float) -> str:
    """A number to three significant figures, with thousands separators (Babel,
    for the report language's locale).

    Examples
    --------
    >>> sig3(158.76), sig3(15.41), sig3(1.234), sig3(1815.3), sig3(0.0)
    ('159', '15.4', '1.23', '1,820', '0')
    """
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = 3 - 1 - math.floor(math.log10(abs(x)))
    r = round(x, digits)
    return format_decimal(r, format=_decimals(digits), locale=locale())


def fmt_pct(x, nd: int = 0) -> str:
    """A share as a percentage for the report language (Babel), "n/a" if missing.

    Examples
    --------
    >>> fmt_pct(0.523), fmt_pct(0.0834, 1), fmt_pct(float("nan"))
    ('52%', '8.3%', 'n/a')
    """
    if x is None or pd.isna(x):
        return _("n/a")
    return format_percent(float(x), format=_decimals(nd) + "%", locale=locale())


def fmt_irr(x) -> str:
    """IRR for people: "none" where none exists, "> 100 %" above 100 %.

    Examples
    --------
    >>> fmt_irr(0.0834), fmt_irr(3.23), fmt_irr(float("nan"))
    ('8.3%', '> 100 %', 'none')
    """
    if x is None or pd.isna(x):
        return _("none")
    return "> 100 %" if x > 1 else fmt_pct(x, 1)


def fmt_payback(years) -> str:
    """Discounted payback for people: "within the first year" below one year.

    Examples
    --------
    >>> fmt_payback(0.0), fmt_payback(3.26), fmt_payback(float("nan"))
    ('within the first year', '3.3', 'none')
    """
    if years is None or pd.isna(years):
        return _("none")
    return _("within the first year") if years <= 1 else fmt_num(years, 1)


def fmt_num(x, nd=1):
    """A number with ``nd`` decimals, or "n/a" for None, NaN and infinity."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return _("n/a")
    return format_decimal(round(float(x), nd), format=_decimals(nd), locale=locale())


def short_label(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 3] + "..."


def base_rate_metrics(appraisal: Appraisal) -> pd.DataFrame:
    """The metrics rows at the base discount rate."""
    m = appraisal.metrics
    return m[m["rate_name"] == BASE_RATE]


def recommended_option(site: Site, appraisal: Appraisal) -> str:
    """Id of the option (not the status quo) with the highest NPV at the base rate."""
    base = base_rate_metrics(appraisal)
    cand = base[base["option"].map(lambda o: site.file.options[o].kind != "status_quo")]
    return str(cand.sort_values("npv", ascending=False)["option"].iloc[0])


def verdicts(site: Site, appraisal: Appraisal) -> pd.DataFrame:
    """The verdict of each option at the base rate (:mod:`cba.analysis.verdict`)."""
    kinds = {oid: o.kind for oid, o in site.file.options.items()}
    return option_verdicts(appraisal.metrics, kinds)


def _measured(site: Site) -> bool:
    return site.file.calibration is not None or any(
        p.source.tag == "calibrated" for _key, p in iter_params(site)
    )


def _draft(site: Site) -> bool:
    return any(
        p.is_assumption and "Scaffold default" in (p.source.rationale or "")
        for _key, p in iter_params(site)
    )


def sanity_html(site: Site, appraisal: Appraisal, levels=None) -> str:
    """A boxed list of what deserves a second look (empty when nothing does).

    ``levels`` (:func:`cba.analysis.cases.site_levels`) counts as a
    measurement compared with the model, and its out-of-sample misses are
    flagged."""
    names = {
        oid: o.name for oid, o in site.file.options.items() if o.kind != "status_quo"
    }
    has_levels = levels is not None and not levels.empty
    misses = None
    if has_levels:
        from ..analysis.cases import OUT_OF_SAMPLE

        out = levels[levels["sample"] == OUT_OF_SAMPLE]
        misses = (int((~out["in_band"].astype(bool)).sum()), len(out))
    flags = sanity_flags(
        appraisal.metrics,
        appraisal.waits,
        names,
        measured=_measured(site) or has_levels,
        draft=_draft(site),
        misses=misses,
    )
    if not flags:
        return ""
    items = "".join(f"<li>{escape(f)}</li>" for f in flags)
    return (
        '<div class="cba-sanity" role="note"><p><strong>'
        + _("Read with care:")
        + f"</strong></p><ul>{items}</ul></div>"
    )


def verdict_text(verdict: str) -> str:
    """A verdict of :mod:`cba.analysis.verdict` in the report language."""
    return _(verdict)


def _measured_sentence(levels) -> str:
    """The summary's sentence on the model against measurement ('' without
    ``levels``)."""
    if levels is None:
        return ""
    from ..analysis.cases import MEASURED_METHODS, OUT_OF_SAMPLE

    if levels.empty or not levels["method"].isin(MEASURED_METHODS).any():
        return (
            "<p>"
            + escape(
                _(
                    "No measurement stronger than a press report or a CBP posted "
                    "estimate exists for this crossing: its modelled waits rest on "
                    "assumptions."
                )
            )
            + "</p>"
        )
    out = levels[levels["sample"] == OUT_OF_SAMPLE]
    return (
        "<p>"
        + escape(
            _(
                "Against what was measured here, {hit} of {n} out-of-sample "
                "comparisons fall in their bands (see Model against measurement)."
            ).format(hit=int(out["in_band"].sum()), n=len(out))
        )
        + "</p>"
    )


def summary_html(site: Site, appraisal: Appraisal, levels=None) -> str:
    """One-screen plain-language summary, generated from the results.

    With ``levels`` (:func:`cba.analysis.cases.site_levels`), a sentence says
    how the status quo compares with what was measured at the crossing, and
    warns when nothing stronger than a press report or a posted estimate was.

    The headline numbers are the central (deterministic) values; with Monte Carlo
    draws, the median, the 5-95 % range and P(NPV > 0) say how sure they are,
    and the verdicts follow :mod:`cba.analysis.verdict`.
    """
    base = base_rate_metrics(appraisal).set_index("option")
    opts = site.file.options
    rate = float(base["discount_rate"].iloc[0]) if len(base) else float("nan")
    dy = site.info.report_dollar_year
    lines = [
        f"<p><strong>{escape(site.info.name)}</strong>. "
        f"{escape(site.info.description)}</p>",
        sanity_html(site, appraisal, levels),
        _measured_sentence(levels),
    ]
    v = verdicts(site, appraisal)
    if v.empty:
        lines.append(
            "<p>" + _("No options other than the status quo are defined.") + "</p>"
        )
        return "\n".join(x for x in lines if x)
    drawn = appraisal.n_draws > 0 and "p_npv_positive" in base.columns
    when = _(
        "({dollar_year} dollars, {rate} real discount rate over {years} years, "
        "central values)"
    ).format(dollar_year=dy, rate=fmt_pct(rate), years=site.info.horizon_years)
    best = v[v["best"]]
    if len(best):
        b = best.iloc[0]
        r = base.loc[b["option"]]
        text = "<p>" + _(
            "<strong>Recommended: {option}.</strong> Its net present value is "
            "<strong>{npv}</strong> {when}, with a benefit-cost ratio of "
            "<strong>{bcr}</strong>"
        ).format(
            option=escape(opts[b["option"]].name),
            npv=fmt_usd(r["npv"]),
            when=when,
            bcr=fmt_num(r["bcr"], 1),
        )
        if drawn:
            text += _("; its NPV was positive in {share} of draws").format(
                share=fmt_pct(r["p_npv_positive"])
            )
        text += "."
        if b["near_tie_with"]:
            text += " " + _(
                "It is a near tie with {other}: it came out best in only {share} "
                "of draws."
            ).format(
                other=escape(opts[b["near_tie_with"]].name),
                share=fmt_pct(r["p_best"]),
            )
        lines.append(text + "</p>")
    else:
        lines.append(
            "<p>"
            + (
                _(
                    "<strong>Recommended: none.</strong> No option is worth doing "
                    "on these numbers {when}; the draws leave some uncertain "
                    "(below)."
                )
                if drawn
                else _(
                    "<strong>Recommended: none.</strong> No option is worth doing "
                    "on these numbers {when}."
                )
            ).format(when=when)
            + "</p>"
        )
    items = []
    for row in v.sort_values("npv", ascending=False).itertuples():
        r = base.loc[row.option]
        text = _("<strong>{option}</strong>: NPV {npv}, BCR {bcr}").format(
            option=escape(opts[row.option].name),
            npv=fmt_usd(r["npv"]),
            bcr=fmt_num(r["bcr"], 1),
        )
        if drawn:
            text += _(
                "; in {draws} draws median {median}, 90 % between {p05} and {p95}, "
                "P(NPV &gt; 0) {p}"
            ).format(
                draws=format_decimal(appraisal.n_draws, locale=locale()),
                median=fmt_usd(r["npv_p50"]),
                p05=fmt_usd(r["npv_p05"]),
                p95=fmt_usd(r["npv_p95"]),
                p=fmt_pct(r["p_npv_positive"]),
            )
        items.append(
            f"<li>{text} &mdash; <strong>{verdict_text(row.verdict)}</strong>.</li>"
        )
    lines.append("<ul>" + "".join(items) + "</ul>")
    if drawn:
        lines.append(
            "<p>"
            + _(
                "<strong>How sure are we?</strong> The NPVs above are at central "
                "values. An option is <em>worth doing</em> when that NPV is positive "
                "and at least {worth} of the Monte Carlo draws agree; <em>not worth "
                "doing</em> when it is not positive and at most {not_worth} of the "
                "draws are; otherwise <em>uncertain</em>. Queues grow faster than "
                "traffic near capacity, so the mean over draws can sit far above "
                "the median."
            ).format(worth=fmt_pct(WORTH_DOING_P), not_worth=fmt_pct(NOT_WORTH_P))
            + "</p>"
        )
    else:
        lines.append(
            "<p>"
            + _(
                "<strong>How sure are we?</strong> This is a deterministic run at "
                "central values; many inputs are labelled assumptions (see the "
                "appendix), so treat the ranking as indicative. A run with draws "
                "(<code>--draws 1000</code>) adds how often each NPV is positive."
            )
            + "</p>"
        )
    n_assump = int(parameter_table(site)["assumption"].sum())
    caveat = (
        _(
            "<strong>Main caveat:</strong> {n} of the inputs are labelled "
            "assumptions (processing times, booth schedules, lane shares and the "
            "weekend share of traffic are not published per crossing); waits are "
            "modelled for a weekday, a Saturday and a Sunday in each season (quiet, "
            "middle and busy months, from the monthly BTS counts) with staffing "
            "that follows each day's traffic within the lanes."
        )
        if site.info.day_types == "seasons_and_weekdays"
        else _(
            "<strong>Main caveat:</strong> {n} of the inputs are labelled "
            "assumptions (processing times, booth schedules and lane shares are not "
            "published per crossing); waits are modelled for a day in each season "
            "(quiet, middle and busy months, from the monthly BTS counts) with "
            "staffing that follows each season's traffic within the lanes, which "
            "misses weekday peaks."
        )
        if site.info.day_types == "seasons"
        else _(
            "<strong>Main caveat:</strong> {n} of the inputs are labelled "
            "assumptions (processing times, booth schedules and lane shares are not "
            "published per crossing); waits are modelled for an average day, which "
            "understates weekday peaks."
        )
    )
    lines.append("<p>" + caveat.format(n=n_assump) + "</p>")
    return "\n".join(x for x in lines if x)


#: Sections of the site report: the anchor of each and its heading.
SECTIONS = [
    ("summary", N_("Summary")),
    ("measurement", N_("Model against measurement")),
    ("traffic", N_("The site and its traffic")),
    ("options", N_("Options compared")),
    ("waits", N_("Wait times by hour")),
    ("components", N_("Benefits and costs by component")),
    ("yearly", N_("Year by year")),
    ("stakeholders", N_("Who pays, who gains")),
    ("staffing", N_("Where the next officer-hour pays most")),
    ("risk", N_("How sure are we")),
    ("method", N_("How the crossing is modelled")),
    ("appendix", N_("Appendix: every parameter used, with its source")),
]

#: The paragraph under each heading of the site report (and of its subsections).
SECTION_TEXT = {
    "measurement": N_(
        "What was measured or reported at this crossing, by whom and how strong it "
        "is, beside what the model's status quo gives on the traffic of the same "
        "year. A comparison marked 'used for calibration' shaped the model and is "
        "not evidence for it; only out-of-sample comparisons are."
    ),
    "intro": N_(
        "Which pre-clearance options are worth doing at this port of entry, who "
        "pays, who gains, and how sure we are. All numbers come from the cba "
        "library and the site's parameter file; money is in constant dollars of "
        "the report year."
    ),
    "traffic": N_(
        "Base-year traffic of each stream and where it comes from. Volumes follow "
        "the forecast of the port's monthly BTS counts (history from 2010, "
        "forecast with 80 % and 95 % intervals); the share of the port that this "
        "crossing carries is stated with its source."
    ),
    "options": N_(
        "Each option is compared with the status quo. PV = present value; NPV = PV "
        "benefits minus PV costs; BCR = benefit-cost ratio; IRR = internal rate of "
        'return ("none" where none exists); payback = discounted payback in years '
        "after the base year."
    ),
    "waits": N_(
        "Mean wait of vehicles arriving in each hour in the first year of "
        "operation, status quo against each option at full effect. Queues left at "
        "the end of an hour carry into the next."
    ),
    "responses": N_(
        "As traffic grows and the lanes that exist fill, queues lengthen and users "
        "respond: some trips leave their usual hour (a share that grows with the "
        "added time at the crossing); of these, some cross at a quieter hour of the "
        "same day, and the rest are lost to this crossing, either diverted to the "
        "nearby crossing named below or forgone. Diverted vehicles lengthen the "
        "queue there: the delay they add to its users is counted as a cost of each "
        "option's wait. Time saved is valued by the rule of half over the trips made "
        "with and without the option. Figures are for an average day, central "
        "values."
    ),
    "components": N_(
        "Present value at the base discount rate; costs are shown as negative bars."
    ),
    "method": N_(
        "Each stream passes its stages in the order listed: a stage is a queue "
        "with the lanes or positions that exist, staffed hour by hour, or a fixed "
        "time. A side stage (an exam, secondary or state inspection) takes its share "
        "of the vehicles and returns them to the line. Queues left at the end of an "
        "hour carry into the next, and a stage's departures are the next stage's "
        "arrivals. Booths open follow each kind of day's traffic within the lanes; "
        "an option adds booths, lanes or programmes, or changes a stage's times or "
        "shares, and the option table says which stage. As waits grow, some users "
        "cross at a quieter hour, and the others are lost to the crossing: diverted "
        "to the named nearby crossing, where they add delay, or forgone. Time saved "
        "is valued over the trips made with and without each option (the rule of "
        "half)."
    ),
    "yearly": N_(
        "Each option's benefits, costs and net benefit by year at the base rate, "
        "undiscounted and discounted, and the cumulative net present value; where "
        "the line crosses zero is the discounted payback."
    ),
    "stakeholders": N_(
        "Present value of each stakeholder's net gain at the base rate (million "
        "dollars). Tolls and reimbursements are transfers: they move money between "
        "stakeholders and cancel in the total, which equals the option's NPV."
    ),
    "countries": N_(
        "Users' gains are split by the share of each stream's users who are US or "
        "Mexican residents (see the appendix); air-quality benefits by where the "
        "emissions fall. The sponsor is shown on its own."
    ),
    "sponsor": N_(
        "What the sponsor pays and recovers, in present value at the base rate. The "
        "break-even toll is the smallest surcharge per tolled crossing that "
        "recovers the sponsor's outlay (solved in closed form: PV of outlay over PV "
        "of tolled crossings)."
    ),
    "staffing": N_(
        "The net present value of one more staffed booth in each hour of weekdays, "
        "Saturdays and Sundays, bought as overtime, from this appraisal (its values "
        "of time, day types and responses), for each stream with a free lane; then "
        "the best use of a yearly overtime budget: the hours an integer program "
        "picks within the budget and the lanes, improved against the full model, "
        "where a booth in one hour shortens the queue of the next."
    ),
    "risk": N_(
        "Each uncertain input has a range (see the appendix). The tornado chart "
        "moves one input at a time to its 10th and 90th percentile; a switching "
        "value is the input value at which an option's NPV becomes zero. With "
        "Monte Carlo draws, all inputs (and the traffic forecast) vary together."
    ),
}

#: Subsections of the site report (anchor, heading).
SUBSECTIONS = {
    "responses": N_("Users who respond"),
    "countries": N_("United States and Mexico"),
    "sponsor": N_("The sponsor's financial view"),
    "assumptions": N_("Labelled assumptions"),
    "correlations": N_("Correlations between uncertain inputs"),
    "provenance": N_("Provenance"),
}


def section_html(key: str) -> str:
    """The heading of a report section (or subsection) and its paragraph, in the
    report language, with a stable anchor (``#summary``, ``#risk``, ...)."""
    headings = dict(SECTIONS)
    if key in headings:
        head = f'<h2 id="{key}">{escape(_(headings[key]))}</h2>'
    else:
        head = f'<h3 id="{key}">{escape(_(SUBSECTIONS[key]))}</h3>'
    para = SECTION_TEXT.get(key)
    return head + (f"<p>{escape(_(para))}</p>" if para else "")


def title_html(site: Site, languages: tuple[str, ...] = ("en", "es")) -> str:
    """Report title, site heading, key facts, a link back to all sites, a link to
    the same report in the other languages and the contents (escaped)."""
    i = site.info
    toc = " &middot; ".join(
        f'<a href="#{escape(a)}">{escape(_(t))}</a>' for a, t in SECTIONS
    )
    here = language()
    index = "index.html" if here == DEFAULT_LANGUAGE else f"index.{here}.html"
    switch = " &middot; ".join(
        f'<a href="{report_name(lang)}" hreflang="{lang}" lang="{lang}">'
        f"{LANGUAGE_NAMES[lang]}</a>"
        for lang in languages
        if lang != here
    )
    return (
        f'<p class="cba-nav"><a href="../{index}">&larr; '
        + _("All sites")
        + "</a>"
        + (f' <span class="cba-lang">&middot; {switch}</span>' if switch else "")
        + "</p>"
        + "<h1>"
        + escape(_("Pre-clearance options: cost-benefit report"))
        + "</h1>"
        + f"<p>{escape(_(SECTION_TEXT['intro']))}</p>"
        + f"<h2>{escape(i.name)}</h2><p>"
        + _(
            "Site id <code>{id}</code>; base year {year}; {horizon}-year analysis; "
            "money in {dollar_year} US dollars."
        ).format(
            id=escape(i.id),
            year=i.base_year,
            horizon=i.horizon_years,
            dollar_year=i.report_dollar_year,
        )
        + '</p><nav aria-label="'
        + escape(_("Contents"))
        + '"><p><strong>'
        + _("Contents:")
        + f"</strong> {toc}</p></nav>"
    )


def report_name(lang: str) -> str:
    """File name of a site report in ``lang`` (``report.html``, ``report.es.html``)."""
    return "report.html" if lang == DEFAULT_LANGUAGE else f"report.{lang}.html"


def _hours_text(hours: list[int]) -> str:
    """'6-9, 14' style list of hour ranges (hour h = h:00 to h+1:00)."""
    if not hours:
        return ""
    runs, start, prev = [], hours[0], hours[0]
    for h in hours[1:] + [None]:
        if h is not None and h == prev + 1:
            prev = h
            continue
        runs.append(f"{start:02d}:00-{prev + 1:02d}:00")
        if h is not None:
            start = prev = h
    return ", ".join(runs)


#: Names of the days of the week, as windows list them.
DAY_NAMES = {
    "mon": N_("Monday"),
    "tue": N_("Tuesday"),
    "wed": N_("Wednesday"),
    "thu": N_("Thursday"),
    "fri": N_("Friday"),
    "sat": N_("Saturday"),
    "sun": N_("Sunday"),
}


def _days_text(days) -> str:
    """'Thursday-Friday, Sunday' style list of runs of days (Monday first)."""
    order = [d for d in DAYS_OF_WEEK if d in days]
    runs, run = [], []
    for d in order:
        if run and DAYS_OF_WEEK.index(d) == DAYS_OF_WEEK.index(run[-1]) + 1:
            run.append(d)
        else:
            if run:
                runs.append(run)
            run = [d]
    runs.append(run)
    return ", ".join(
        _(DAY_NAMES[r[0]]) + ("" if len(r) == 1 else "-" + _(DAY_NAMES[r[-1]]))
        for r in runs
    )


def _money_short(x: float) -> str:
    if language() == "es":
        return fmt_usd(x)
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.1f} M"
    if abs(x) >= 1e3:
        return f"${x / 1e3:,.0f} k"
    return f"${x:,.0f}"


def _payer(who: str) -> str:
    return _(STAKEHOLDER_NAMES[who]) if who in STAKEHOLDER_NAMES else who


def _lower_first(text: str) -> str:
    """``text`` with its first letter in lower case (acronyms such as SENTRI
    and FAST kept)."""
    if text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _booth_lines(stream: str, values, days=None) -> tuple[str, str]:
    """The option-table lines for booths added and cut by hour (empty where
    none), on every day or on ``days``."""
    extra = [float(e) for e in values]
    added = [h for h, e in enumerate(extra) if e > 0]
    cut = [h for h, e in enumerate(extra) if e < 0]
    more = f"{sum(e for e in extra if e > 0):g}"
    fewer = f"{-sum(e for e in extra if e < 0):g}"
    add_line = cut_line = ""
    if added and days is None:
        add_line = _(
            "{stream}: up to {most} more booth(s) open in {hours} "
            "({booth_hours} booth-hours a day)"
        ).format(
            stream=stream,
            most=f"{max(extra):g}",
            hours=_hours_text(added),
            booth_hours=more,
        )
    elif added:
        add_line = _(
            "{stream}: up to {most} more booth(s) open on {days} in "
            "{hours} ({booth_hours} booth-hours each of those days)"
        ).format(
            stream=stream,
            most=f"{max(extra):g}",
            days=_days_text(days),
            hours=_hours_text(added),
            booth_hours=more,
        )
    if cut and days is None:
        cut_line = _(
            "{stream}: {booth_hours} fewer booth-hours a day in {hours}"
        ).format(stream=stream, booth_hours=fewer, hours=_hours_text(cut))
    elif cut:
        cut_line = _(
            "{stream}: {booth_hours} fewer booth-hours on {days} in {hours}"
        ).format(
            stream=stream,
            booth_hours=fewer,
            days=_days_text(days),
            hours=_hours_text(cut),
        )
    return add_line, cut_line


def _change_lines(site, opt) -> list[str]:
    out = []
    for sid, ch in opt.changes.items():
        stream = site.file.streams[sid].description
        if ch.extra_booths is not None:
            added, cut = _booth_lines(stream, ch.extra_booths.value)
            out += [x for x in (added, cut) if x]
        for w in ch.windows:
            added, cut = _booth_lines(stream, w.extra_booths.value, w.days)
            out += [x for x in (cut, added) if x]
        if ch.processing_factor is not None:
            f = float(ch.processing_factor.value)
            out.append(
                _("{stream}: processing time x {factor} ({change} %)").format(
                    stream=stream, factor=f"{f:.2f}", change=f"{(f - 1) * 100:+.0f}"
                )
            )
        if ch.secondary_referral_factor is not None:
            f = float(ch.secondary_referral_factor.value)
            out.append(
                _(
                    "{stream}: referrals to secondary inspection x {factor} "
                    "({change} %)"
                ).format(
                    stream=stream, factor=f"{f:.2f}", change=f"{(f - 1) * 100:+.0f}"
                )
            )
        if ch.export_exam_factor is not None:
            f = float(ch.export_exam_factor.value)
            out.append(
                _(
                    "{stream}: separate Mexican export exams x {factor} ({change} %)"
                ).format(
                    stream=stream, factor=f"{f:.2f}", change=f"{(f - 1) * 100:+.0f}"
                )
            )
        if ch.shift_share is not None:
            to = site.file.streams[ch.shift_to].description
            out.append(
                _("{share} of {stream} moves to {to}").format(
                    share=fmt_pct(float(ch.shift_share.value)),
                    stream=_lower_first(stream),
                    to=_lower_first(to),
                )
            )
    return out


def _cost_lines(opt, start: int) -> list[str]:
    out = []
    for c in opt.costs:
        amount = float(c.amount.value)
        if c.kind == "capital":
            life = float(c.asset_life_years.value)
            out.append(
                _(
                    "{item}: {amount} once in {year} ({life}-year life), paid by "
                    "{payer}"
                ).format(
                    item=c.description,
                    amount=_money_short(amount),
                    year=c.year or start,
                    life=f"{life:g}",
                    payer=_payer(c.payer),
                )
            )
        else:
            out.append(
                _("{item}: {amount} a year, paid by {payer}").format(
                    item=c.description,
                    amount=_money_short(amount),
                    payer=_payer(c.payer),
                )
            )
    if opt.staffing is not None:
        payer = _payer(opt.staffing.payer)
        if opt.staffing.pay == "overtime":
            line = _(
                "Officer time for added booth-hours at overtime, paid by {payer}"
            ).format(payer=payer)
        else:
            line = _(
                "Officer time for added booth-hours at straight time, paid by {payer}"
            ).format(payer=payer)
        if opt.staffing.reimbursed_to_cbp:
            line += " " + _("(reimbursed to CBP)")
        out.append(line)
    return out


#: Plain names of the stages of a crossing.
STAGE_NAMES = {
    "mx_export": N_("Mexican export"),
    "mx_exam": N_("Mexican export exam"),
    "bridge": N_("bridge (fixed free-flow time, the same under every option)"),
    "primary": N_("CBP primary"),
    "secondary": N_("CBP secondary"),
    "state_inspection": N_("state safety inspection (Texas DPS)"),
}

#: The stage of a crossing each lever acts on.
STAGE_OF_LEVER = {
    "extra_booths": N_("CBP primary (booths staffed)"),
    "extra_lanes": N_("CBP primary (lanes built)"),
    "processing_factor": N_("CBP primary (processing time)"),
    "secondary_referral_factor": N_("CBP secondary (referrals)"),
    "export_exam_factor": N_("Mexican export exam (trucks examined)"),
    "shift_share": N_("lane programme (traffic moves to another stream)"),
}


def describe_option(site: Site, oid: str) -> dict[str, str]:
    """Plain-language description of what an option changes and costs.

    Returns a dict with keys ``option``, ``kind``, ``timing``, ``changes``,
    ``costs``, ``funding`` and ``stages`` (the stages of the crossing it acts
    on) (text; lines joined by "; ").
    """
    options = site.file.options
    opt = options[oid]
    start, ramp = option_timing(options, oid, site.info.base_year)
    changes, costs = [], []
    for p in option_parts(options, oid):
        part = options[p]
        prefix = f"[{part.name}] " if p != oid else ""
        p_start = option_timing(options, p, site.info.base_year)[0]
        changes += [prefix + x for x in _change_lines(site, part)]
        costs += [prefix + x for x in _cost_lines(part, p_start)]
    fund = funding_of(options, oid)
    if fund is not None and fund.toll_surcharge is not None:
        streams = ", ".join(
            _lower_first(site.file.streams[s].description) for s in fund.tolled_streams
        )
        toll = float(fund.toll_surcharge.value)
        fund_text = _(
            "Toll surcharge of {toll} per crossing on {streams}, paid to {recipient}"
        ).format(
            toll=f"{toll:.2f} USD" if language() == "es" else f"${toll:.2f}",
            streams=streams,
            recipient=_payer(fund.recipient),
        )
    elif any(
        options[p].staffing is not None and options[p].staffing.payer == "sponsor"
        for p in option_parts(options, oid)
    ):
        fund_text = _(
            "Sponsor pays from its own budget (no toll); "
            "break-even toll in the sponsor table"
        )
    else:
        fund_text = ""
    if opt.kind == "status_quo":
        when = ""
    elif ramp > 1:
        when = _("from {year}, full effect after {ramp} years").format(
            year=start, ramp=ramp
        )
    else:
        when = _("from {year}").format(year=start)
    stages = []
    for p in option_parts(options, oid):
        for ch in options[p].changes.values():
            pulled = {key.rsplit(".", 1)[-1] for key, _p in ch.lever_params()}
            for lever, stage in STAGE_OF_LEVER.items():
                if lever in pulled and stage not in stages:
                    stages.append(stage)
    kind = _(OPTION_KINDS[opt.kind].label)
    if opt.combines:
        kind += ": " + " + ".join(options[p].name for p in opt.combines)
    return {
        "option": opt.name,
        "kind": kind,
        "timing": when,
        "changes": "; ".join(changes) or _("nothing"),
        "costs": "; ".join(costs) or _("none"),
        "funding": fund_text,
        "stages": "; ".join(_(x) for x in stages) or _("none"),
    }


def changes_table(site: Site) -> pd.DataFrame:
    """What each option changes, costs and how it is funded (display table)."""
    rows = [describe_option(site, oid) for oid in site.file.options]
    t = pd.DataFrame(rows)
    t.columns = [
        _("Option"),
        _("Kind"),
        _("When"),
        _("What changes"),
        _("Costs and who pays"),
        _("Funding"),
        _("Stage it acts on"),
    ]
    return t


def waits_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the wait-profile chart, generated from the results."""
    w = appraisal.waits
    sq = w[w["option"] == "status_quo"]
    if sq.empty:
        return _("Chart of mean time at the crossing by hour of arrival.")
    top = sq.loc[sq["wait_minutes"].idxmax()]
    stream = site.file.streams[top["stream"]].description
    parts = [
        _(
            "Line charts of the mean time at the crossing by hour of arrival, one "
            "per traffic stream, status quo against each option. Under the status "
            "quo the longest is {minutes} minutes for {stream} arriving at {hour}."
        ).format(
            minutes=f"{top['wait_minutes']:.0f}",
            stream=stream.lower(),
            hour=f"{int(top['hour']):02d}:00",
        )
    ]
    for oid, o in site.file.options.items():
        if o.kind == "status_quo":
            continue
        sub = w[
            (w["option"] == oid)
            & (w["stream"] == top["stream"])
            & (w["hour"] == top["hour"])
        ]
        if len(sub):
            parts.append(
                _("With {option}: {minutes} minutes.").format(
                    option=o.name.lower(),
                    minutes=f"{float(sub['wait_minutes'].iloc[0]):.0f}",
                )
            )
    return " ".join(parts)


def components_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the benefits-and-costs chart, generated from the results."""
    base = base_rate_metrics(appraisal)
    items = []
    for _i, r in base.iterrows():
        o = site.file.options[r["option"]]
        if o.kind == "status_quo":
            continue
        items.append(
            _("{option}: benefits {benefits}, costs {costs}").format(
                option=o.name,
                benefits=fmt_usd(r["pv_benefits"]),
                costs=fmt_usd(r["pv_costs"]),
            )
        )
    return (
        _(
            "Horizontal bar chart of present values by component at the base "
            "discount rate."
        )
        + " "
        + "; ".join(items)
        + "."
    )


def stakeholders_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the who-pays-who-gains chart, generated from the results."""
    s = appraisal.stakeholders
    s = s[(s["rate_name"] == BASE_RATE) & (s["option"] != "status_quo")]
    parts = []
    for oid, g in s.groupby("option", sort=False):
        g = g.set_index("stakeholder")["pv_net"]
        gain, pay = g.idxmax(), g.idxmin()
        text = _("{option}: {who} gain most ({amount})").format(
            option=site.file.options[oid].name,
            who=_(STAKEHOLDER_NAMES[gain]),
            amount=fmt_usd(g[gain]),
        )
        if g[pay] < 0:
            text += ", " + _("{who} pays most ({amount})").format(
                who=_(STAKEHOLDER_NAMES[pay]), amount=fmt_usd(g[pay])
            )
        parts.append(text)
    return (
        _(
            "Horizontal bar chart of each stakeholder's net gain per option at the "
            "base rate."
        )
        + " "
        + "; ".join(parts)
        + "."
    )


def forecasts_alt(site: Site, appraisal: Appraisal) -> str:
    """Alt text of the forecast chart."""
    parts = [
        _("{stream}: {volume} a year").format(
            stream=r.description,
            volume=format_decimal(round(r.volume), locale=locale()),
        )
        for r in appraisal.traffic.itertuples()
    ]
    return (
        _(
            "Line charts of monthly inbound crossings since 2010 from BTS data, with "
            "the statsmodels forecast and its 80 % and 95 % intervals. "
            "Base-year volumes:"
        )
        + " "
        + "; ".join(parts)
        + "."
    )
