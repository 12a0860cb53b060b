"""The HTML report: ours-vs-baseline bar charts (inline SVG), latency per stage, and a
per-question table with answers, citations and verdicts. One self-contained file;
the charts are drawn here as SVG so the report needs no plotting library or network.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..metrics import flatten

QUALITY = [("retrieval", "hit_rate"), ("retrieval", "mrr"), ("retrieval", "recall"),
           ("answers", "key_fact_accuracy"), ("answers", "token_f1"), ("refusal", "negative_rejection"),
           ("refusal", "false_refusal"), ("citations", "validity"), ("citations", "recall"),
           ("citations", "precision")]
COLORS = {"ours": "#2563eb", "baseline": "#9ca3af",
          # the origins of a questions file's cases (eval/harness/own.py)
          "all": "#2563eb", "hand": "#059669", "llm": "#d97706", "probe": "#7c3aed", "feedback": "#db2777"}


def bar_chart(title: str, rows: list[tuple[str, dict[str, float]]], maximum: float | None = None,
              unit: str = "") -> str:
    """Horizontal grouped bars: rows of (label, {series: value})."""
    series = [s for s in COLORS if any(s in r for _, r in rows)]
    top = maximum or max([v for _, r in rows for v in r.values() if v is not None] + [1e-9])
    bar_h, gap, left, width = 14, 10, 230, 360
    height = len(rows) * (bar_h * len(series) + gap) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" role="img">',
             f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    y = 30
    for label, values in rows:
        parts.append(f'<text x="0" y="{y + bar_h}" font-size="12">{escape(label)}</text>')
        for s in series:
            v = values.get(s)
            if v is None:
                y += bar_h
                continue
            w = max(1.0, width * v / top)
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{COLORS[s]}">'
                         f"<title>{s}: {v:.3f}</title></rect>")
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" font-size="11">'
                         f"{v:.3f}{unit}</text>")
            y += bar_h
        y += gap
    legend = " ".join(f'<span style="color:{COLORS[s]}">■ {s}</span>' for s in series)
    return "".join(parts) + "</svg>" + f"<div class=legend>{legend}</div>"


def _table(items: list[dict]) -> str:
    head = ("<tr><th>id</th><th>question</th><th>answer</th><th>refused</th><th>hit</th>"
            "<th>key facts</th><th>refusal ok</th><th>ms</th></tr>")
    rows = []
    for it in items:
        ok = "ok" if it.get("passed", it["refusal_ok"]) else "bad"
        removed = "".join(f"<div class=removed>removed: {escape(s)}</div>" for s in it["unsupported"])
        understood = (f"<div class=note>understood as: {escape(it['understood_as'])}</div>"
                      if it["understood_as"] != it["question"] else "")
        kf = "" if it["key_facts"] is None else f"{it['key_facts']:.2f}"
        reference = f"<div class=note>reference: {escape(it['reference'])}</div>" if it["reference"] else ""
        rows.append(
            f"<tr class={ok}><td>{escape(it['id'])}<br><small>{escape(it['category'])}</small></td>"
            f"<td>{escape(it['question'])}{understood}{reference}{_expected(it)}</td>"
            f"<td>{escape(it['answer'])}{removed}</td><td>{it['refused']}</td><td>{'' if it['hit'] is None else it['hit']}</td>"
            f"<td>{kf}</td><td>{ok}</td><td>{it['latency_ms']}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _expected(it: dict) -> str:
    """What a questions-file case asked for beyond the golden sets' fields, and which check failed."""
    parts = []
    if it.get("key_fact_list"):
        parts.append("key facts: " + "; ".join(it["key_fact_list"]))
    if it.get("sources"):
        parts.append("sources: " + ", ".join(it["sources"]))
    if it.get("rejected"):
        parts.append("rejected before: " + it["rejected"])
    failed = [k for k, v in it.get("checks", {}).items() if v is False]
    if failed:
        parts.append("failed: " + ", ".join(failed))
    if it.get("note"):
        parts.append(it["note"])
    return "".join(f"<div class=note>{escape(p)}</div>" for p in parts)


def suite_figures(result: dict) -> dict[str, float]:
    """One suite's figures, flattened ("qa.learned.balanced_accuracy"); its settings left out."""
    return flatten({k: v for k, v in result.items() if isinstance(v, dict)})


def _suites(suites: dict) -> str:
    """Every benchmark suite's figures, one table per suite (as `rag eval` prints them)."""
    parts = []
    for name, res in suites.items():
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{v:.3f}</td></tr>" for k, v in suite_figures(res).items())
        parts.append(f"<h3>{escape(name)} ({escape(str(res.get('split', '')))} split)</h3>"
                     f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>")
    return ("<h2>Public benchmarks and other documents</h2>" + "".join(parts)) if parts else ""


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border:1px solid #ddd;padding:4px;vertical-align:top}tr.bad{background:#fee2e2}.note{color:#666;font-size:12px}
.removed{color:#b91c1c;font-size:12px}.legend{margin:4px 0 18px}.charts{display:flex;flex-wrap:wrap;gap:30px}"""


def _page(heading: str, body: str) -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>RAG evaluation</title>\n'
            f"<style>{STYLE}</style></head><body>\n<h1>{heading}</h1>\n{body}\n</body></html>")


def write_report(results: dict, path: Path, changes=None) -> None:
    cfg = results["config"]
    if "retrieval" not in results:  # --suite without the article: the suites alone
        path.write_text(_page(f"Evaluation: split “{escape(cfg['split'])}”", _suites(results.get("suites", {}))),
                        encoding="utf-8")
        return
    base = results.get("baseline", {})
    quality = [(f"{g}.{k}", {"ours": results[g][k], **({"baseline": base[g][k]} if base else {})})
               for g, k in QUALITY]
    conv = results["conversations"]
    conv_rows = [(f"{g}.{k}", {"ours": conv[g][k], **({"baseline": base["conversations"][g][k]} if base else {})})
                 for g, k in QUALITY if not (g == "refusal" and conv["count"]["unanswerable"] == 0)]
    stages = [(f"{s} p50", {"ours": v["p50_ms"]}) for s, v in results["latency"]["stages"].items()]
    stages += [("end to end p50", {"ours": results["latency"]["p50_ms"], **({"baseline": base["latency"]["p50_ms"]} if base else {})}),
               ("end to end p95", {"ours": results["latency"]["p95_ms"], **({"baseline": base["latency"]["p95_ms"]} if base else {})})]
    ba = results["support_scorer"]["balanced_accuracy"]
    change_html = ""
    if changes is not None:
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{o:.3f}</td><td>{n:.3f}</td></tr>" for k, o, n in changes)
        change_html = f"<h2>Changes since the compared run</h2><table><tr><th>metric</th><th>before</th><th>now</th></tr>{rows or '<tr><td colspan=3>no change</td></tr>'}</table>"
    judge = ""
    if "judge" in results:
        judge = "<h2>LLM judge (beside the offline metrics)</h2><pre>" + escape(str(results["judge"])) + "</pre>"
    body = f"""<p>{cfg['questions']} questions and {cfg['conversations']} conversations; top-k {cfg['top_k']}; embeddings {escape(cfg['embeddings'])};
support scorer balanced accuracy {ba['dev']:.3f} (dev) / {ba['test']:.3f} (test); {cfg.get('seconds', '?')} s.</p>
<p>Baseline: {escape(base.get('description', 'not run'))}</p>
<div class=charts>{bar_chart('Single questions: ours vs baseline', quality, 1.0)}
{bar_chart('Conversations (follow-ups)', conv_rows, 1.0)}
{bar_chart('Latency (ms)', stages, unit=' ms')}</div>
{change_html}{judge}{_suites(results.get("suites", {}))}
<h2>Per question</h2>{_table(results['items'])}"""
    heading = f"Evaluation: split “{escape(cfg['split'])}”, answerer “{escape(cfg['answerer'])}”"
    path.write_text(_page(heading, body), encoding="utf-8")


CASE_FIGURES = [("cases", "pass_rate"), ("answers", "key_fact_accuracy"), ("refusal", "negative_rejection"),
                ("refusal", "false_refusal"), ("sources", "hit_rate"), ("sources", "citation_precision"),
                ("sources", "citation_recall"), ("citations", "validity"), ("citations", "recall"),
                ("feedback", "approved_held"), ("feedback", "rejected_changed")]


def write_cases_report(results: dict, path: Path, changes=None) -> None:
    """The report of a questions file or the ratings (eval/harness/own.py): the figures of all
    cases and of each origin side by side, guard and latency figures, changes, every case."""
    cfg = results["config"]
    groups = {"all": results, **results.get("by_origin", {})}
    rows = [(f"{g}.{k}", {name: r[g][k] for name, r in groups.items() if r[g][k] is not None}) for g, k in CASE_FIGURES]
    rows = [(label, values) for label, values in rows if values]  # figures nothing measured: left out
    g, lat = results["guard"], results["latency"]
    changes_html = ""
    if changes is not None:
        body = "".join(f"<tr><td>{escape(k)}</td><td>{o:.3f}</td><td>{n:.3f}</td></tr>" for k, o, n in changes)
        changes_html = ("<h2>Changes since the compared run</h2><table><tr><th>metric</th><th>before</th><th>now</th>"
                        f"</tr>{body or '<tr><td colspan=3>no change</td></tr>'}</table>")
    what = " and ".join(escape(w) for w in (cfg["questions_file"], "the ratings" if cfg["feedback"] else None) if w)
    body = f"""<p>{cfg['cases']} cases ({cfg['turns']} questions) from {what}, asked in collection(s)
{escape(', '.join(cfg['collections']))}; answerer {escape(str(cfg['answerer']))}; {cfg['seconds']} s.
{results['cases']['passed']} of {cfg['cases']} passed.</p>
<p>Guard: {g['sentences_kept']} sentence(s) kept, {g['sentences_removed']} removed, {g['fallbacks']} fallback(s) to
quoting. Latency p50 {lat['p50_ms']:.0f} ms, p95 {lat['p95_ms']:.0f} ms.</p>
<div class=charts>{bar_chart('Figures by origin of the cases', rows, 1.0)}</div>
{changes_html}<h2>Per case</h2>{_table(results['items'])}"""
    path.write_text(_page(f"Evaluation of {what}", body), encoding="utf-8")
