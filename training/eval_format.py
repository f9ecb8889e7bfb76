"""The evaluations' reports as the text ``newssift evaluate`` prints and ``EVALUATION.txt``
holds: one function per report, kept apart from the measuring."""

from __future__ import annotations

from newssift.training.metrics import format_confusion, format_report

__all__ = ["format_lodo", "format_topics", "format_short_topics", "format_teaser_topics",
           "format_project_short_texts", "format_quick", "format_languages"]


def format_lodo(report: dict) -> str:
    k = report["best_length_rule"]
    lines = [f"Role, leave-one-dataset-out (token F1 of kept text / block F1 of main); "
             f"best length rule: keep blocks of {k}+ words",
             f"  {'source':<18}{'pages':>6}  {'newssift':>17}  {'jusText':>17}  {'length rule':>17}"]
    for s, row in list(report["sources"].items()) + [("ALL", report["all"])]:
        cells = []
        for name in ("newssift", "justext", "length"):
            m = row.get(name)
            cells.append(f"{m['token_f1']:.3f} / {m['block_f1']:.3f}" if m else "-")
        lines.append(f"  {s:<18}{row['newssift']['pages']:>6}  " + "  ".join(f"{c:>17}" for c in cells))
    sweep = report.get("threshold_sweep")
    if sweep:
        lines.append("  mean token F1 by P(main) threshold: " +
                     ", ".join(f"{t}: {v:.3f}" for t, v in sweep.items()))
    by_source = report.get("threshold_sweep_by_source")
    if by_source:
        # What `--main-threshold` can give a corpus whose gold keeps more (or less) than most.
        best = {s: max(v.items(), key=lambda kv: kv[1]) for s, v in by_source.items()}
        lines.append("  best threshold per source (token F1): " +
                     ", ".join(f"{s} {t} ({v:.3f})" for s, (t, v) in best.items()))
    if report.get("languages"):
        lines.append(format_languages(report["languages"], k))
    return "\n".join(lines)


def format_languages(rows: dict[str, dict], best_length_rule: int | None = None) -> str:
    """The rows as text, one a language group."""
    length = f"length {best_length_rule}+" if best_length_rule else "length rule"
    names = (("newssift", "newssift"), ("justext", "jusText en"), ("justext_own", "jusText own"),
             ("length", length))
    lines = ["Roles by page language, the same leave-one-dataset-out page scores (token F1 of kept "
             "text; jusText with the English stoplist and with the page's own)",
             f"  {'language':<14}{'pages':>6}" + "".join(f"{n:>14}" for _, n in names)]
    for group, row in rows.items():
        pages = next(iter(row.values()))["pages"]
        cells = [f"{row[k]['token_f1']:.3f}" if k in row else "-" for k, _ in names]
        lines.append(f"  {group:<14}{pages:>6}" + "".join(f"{c:>14}" for c in cells))
    return "\n".join(lines)


def format_topics(report: dict) -> str:
    lines = ["Topic accuracy on the 20% held out of each file (world-news proxies: politics also right)",
             f"  {'file':<20}{'n':>6}{'newssift':>10}{'SVC all':>10}{'SVC alone':>11}"]
    for s, row in report["sources"].items():
        lines.append(f"  {s:<20}{row['n']:>6}{row['newssift']:>10.3f}"
                     f"{row.get('svc_all_sets', float('nan')):>10.3f}"
                     f"{row.get('svc_this_set', float('nan')):>11.3f}")
    lines.append(format_report("Topic per class (all held-out rows)", report["per_class"]))
    return "\n".join(lines)


def format_teaser_topics(t: dict) -> str:
    def f(v: float | None) -> str:
        return "   n/a" if v is None else f"{v:6.3f}"

    lines = [f"Composed seed-shaped pages ({t['documents']}, held-out text): teaser topic "
             f"accuracy {f(t['teaser_topic_accuracy']).strip()} (SVC all sets "
             f"{f(t['svc_all_sets']).strip()}, SVC told the file {f(t.get('svc_this_set')).strip()}; "
             f"called teaser and topic right "
             f"{f(t['end_to_end']).strip()}; {t['teasers']} teasers), teasers called teaser "
             f"{f(t['teasers_called_teaser']).strip()}, main-vs-rest "
             f"{t['main_vs_rest_accuracy']:.3f}",
             f"  {'teasers from':20}{'n':>6}{'newssift':>10}{'SVC all':>9}{'SVC alone':>10}"]
    for name, row in t.get("by_file", {}).items():
        lines.append(f"  {name:20}{row['n']:6d}{f(row['newssift']):>10}{f(row['svc_all_sets']):>9}"
                     f"{f(row.get('svc_this_set')):>10}")
    return "\n".join(lines)


def format_project_short_texts(report: dict) -> str:
    return (f"Project-written headlines, held out ({report['n']}, sent alone): article topic "
            f"accuracy {report['accuracy']:.3f} (" + ", ".join(
                f"{t} {v['accuracy']:.2f} of {v['n']}" for t, v in report["per_topic"].items()) + ")")


def format_short_topics(report: dict) -> str:
    lines = ["Article topic of held-out rows sent alone (full text / headline / truncated lead; "
             "null counts wrong); the SVCs learn short kinds with the training rows' headlines",
             f"  {'file':18}{'kind':>10}{'n':>6}{'newssift':>10}{'SVC all':>9}{'SVC alone':>10}"]
    for s, kinds in report["sources"].items():
        for kind, row in kinds.items():
            lines.append(f"  {s:18}{kind:>10}{row['n']:6d}{row['newssift']:10.3f}"
                         f"{row.get('svc_all_sets', float('nan')):9.3f}"
                         f"{row.get('svc_this_set', float('nan')):10.3f}")
    lines.append(f"  null article topics: {report['nulls']} of {report['rows']}")
    if report.get("confusion"):
        labels = sorted(report["confusion"])
        lines.append(format_confusion("Short texts (headlines and truncated leads): true topic "
                                      "by predicted (accepted answers on the diagonal)",
                                      report["confusion"], labels))
    return "\n".join(lines)


def format_quick(report: dict) -> str:
    """Every held-out report of a quick evaluation (``newssift evaluate --no-lodo``), in order."""
    parts = [format_report("Role on composed pages of held-out articles and headlines",
                           report["three_class"]), format_topics(report["topics"])]
    if "short_topics" in report:
        parts.append(format_short_topics(report["short_topics"]))
    if "teaser_topics" in report:
        parts.append(format_teaser_topics(report["teaser_topics"]))
    if "project_short_texts" in report:
        parts.append(format_project_short_texts(report["project_short_texts"]))
    for s, m in report.get("unseen_sources", {}).items():
        parts.append(f"Shipped model on {s} (never trained on): token F1 {m['token_f1']:.3f}, "
                     f"block P/R/F1 {m['block_precision']:.3f}/{m['block_recall']:.3f}/"
                     f"{m['block_f1']:.3f}, {m['pages']} pages")
    return "\n\n".join(parts)
