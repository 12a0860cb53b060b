"""The window's style sheet and scripts: plain strings Gradio puts in the page."""

CSS = """
.rag-hidden { display: none !important; }
.cite-chip { display: inline-block; min-width: 1.4em; padding: 0 .35em; margin: 0 .1em; border-radius: .7em;
  border: 1px solid #2563eb; background: #dbeafe; color: #1e3a8a; font-size: .8em; line-height: 1.4em;
  cursor: pointer; text-align: center; vertical-align: baseline; }
.cite-chip:hover { background: #2563eb; color: white; }
.cite-chip.static { cursor: default; }
.rag-refusal { border-left: 4px solid #d97706; background: #fef3c7; color: #78350f; padding: .4em .6em; border-radius: 4px; }
.rag-error { border-left: 4px solid #dc2626; background: #fee2e2; color: #7f1d1d; padding: .4em .6em; border-radius: 4px; }
.rag-note { color: #6b7280; font-size: .85em; margin-top: .3em; }
.rag-evidence .rag-q { font-weight: 600; margin-bottom: .5em; }
.ev-card { border: 1px solid #e5e7eb; border-radius: 6px; padding: .5em .7em; margin-bottom: .6em; }
.ev-card.active { border-color: #2563eb; box-shadow: 0 0 0 2px #bfdbfe; }
.ev-head { font-size: .85em; color: #374151; margin-bottom: .3em; }
mark.support { background: #fde68a; }
.ev-removed { border: 1px dashed #dc2626; padding: .4em .7em; margin-bottom: .6em; color: #7f1d1d; }
.ev-scores table { font-size: .85em; }
.ev-context-title { font-weight: 600; margin-top: .6em; }
.ev-context { max-height: 260px; overflow-y: auto; white-space: pre-wrap; font-size: .85em; border: 1px solid #e5e7eb;
  border-radius: 6px; padding: .5em; background: #f9fafb; }
mark.in-context { background: #bfdbfe; }
.pdf-view { max-height: 560px; overflow-y: auto; border: 1px solid #e5e7eb; border-radius: 6px; background: #f3f4f6; }
.pdf-page { position: relative; }
.pdf-page img { display: block; width: 100%; height: auto; }
.pdf-mark { position: absolute; background: rgba(250, 204, 21, .35); outline: 2px solid #d97706; border-radius: 2px;
  pointer-events: none; }
.ev-url { font-family: monospace; font-size: .9em; }
"""

# Citation chips live inside chat messages; a click writes "turn:n" into a hidden
# textbox and presses a hidden button, whose handler redraws the evidence panel.
HEAD = r"""
<script>
document.addEventListener('click', (ev) => {
  const chip = ev.target.closest && ev.target.closest('.cite-chip:not(.static)');
  if (!chip) return;
  ev.preventDefault(); ev.stopPropagation();
  const box = document.querySelector('#cite-target textarea, #cite-target input');
  if (!box) return;
  const m = /cite-t(\d+)-n(\d+)/.exec(chip.className);
  if (!m) return;
  box.value = m[1] + ':' + m[2];
  box.dispatchEvent(new Event('input', {bubbles: true}));
  setTimeout(() => { const b = document.querySelector('#cite-show'); if (b) b.click(); }, 60);
}, true);
</script>
"""

SCROLL_JS = """
() => {
  setTimeout(() => {
    const card = document.querySelector('.ev-card.active');
    if (card) card.scrollIntoView({block: 'nearest'});
    const mark = document.querySelector('.ev-context mark.in-context');
    const box = document.querySelector('.ev-context');
    if (mark && box) box.scrollTop = mark.offsetTop - box.offsetTop - 20;
    const view = document.querySelector('.pdf-view');
    const img = view && view.querySelector('img');
    const toMark = () => { const m = view.querySelector('.pdf-mark'); if (m) view.scrollTop = Math.max(0, m.offsetTop - 40); };
    if (img) { if (img.complete) toMark(); else img.addEventListener('load', toMark, {once: true}); }
  }, 100);
}
"""
