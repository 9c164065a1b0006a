// The report page (browser code). Bundled by page.ts with esbuild into the report, with its libraries:
// Chart.js (charts), sigma.js on graphology (knowledge graph), highlight.js (code). No network at view time.
import Chart from 'chart.js/auto';
import Graph from 'graphology';
import Sigma from 'sigma';
import hljs from 'highlight.js/lib/common';

const data = JSON.parse(document.getElementById('report-data').textContent);
// Matches shown in the sample list before "show more"; our choice (the DOM stays fast).
const PAGE = 200;
// Tableau-10, as graph.svg uses; communities beyond ten share grey.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const colour = (i) => PALETTE[i % PALETTE.length];
const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? ''));
const money = (n) => (typeof n === 'number' ? `$${n.toFixed(n < 1 ? 4 : 2)}` : '–');

/** Create an element: h('td', { class: 'x', 'data-stage': 's' }, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replace an element's children; arrays are flattened and null/false left out, as in h(). */
function fill(el, ...children) {
  el.replaceChildren(...children.flat(2).filter((c) => c !== undefined && c !== null && c !== false));
}

function section(id, title, ...body) {
  return h('section', { id }, h('h2', {}, title), ...body);
}

function chart(type, labels, datasets, options = {}, height = 260) {
  const canvas = h('canvas');
  const box = h('div', { class: 'chart', style: `height:${height}px` }, canvas);
  queueMicrotask(() => new Chart(canvas, { type, data: { labels, datasets }, options: { responsive: true, maintainAspectRatio: false, animation: false, ...options } }));
  return box;
}

const stackedX = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } };
const stackedY = { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } };

// ---------- header ----------
function header() {
  const r = data.run;
  const bits = [r.preset && `preset ${r.preset}`, r.status && `status ${r.status}`, r.startedAt && `started ${r.startedAt}`, r.durationMs && `${(r.durationMs / 1000).toFixed(0)} s`, r.resumed && 'resumed'].filter(Boolean);
  return h('header', {}, h('h1', {}, `instructsmith report: ${r.name ?? r.preset ?? data.runDir}`), h('p', { class: 'muted' }, bits.join(' · ')), r.paper ? h('p', { class: 'muted' }, r.paper) : null, h('p', { class: 'muted' }, `run directory ${data.runDir}; generated ${data.generatedAt}`));
}

// ---------- funnel ----------
function funnel() {
  const f = data.funnel;
  const stages = Object.keys(f.stages);
  const reasons = [...new Set(stages.flatMap((s) => Object.keys(f.stages[s].dropped)))];
  const datasets = [
    { label: 'out', data: stages.map((s) => f.stages[s].out), backgroundColor: '#59a14f' },
    ...reasons.map((r, i) => ({ label: `dropped: ${r}`, data: stages.map((s) => f.stages[s].dropped[r] ?? 0), backgroundColor: colour(i + 2) })),
  ];
  const rows = stages.map((s) => {
    const st = f.stages[s];
    const drops = Object.entries(st.dropped);
    return h(
      'tr',
      { 'data-stage': s },
      h('th', {}, s),
      h('td', { 'data-field': 'in' }, fmt(st.in)),
      h('td', { 'data-field': 'out' }, fmt(st.out)),
      h('td', { 'data-field': 'dropped' }, fmt(st.in - st.out)),
      h('td', { class: 'reasons' }, drops.length ? drops.map(([r, n]) => h('div', { 'data-reason': r }, h('a', { href: '#samples', onclick: () => applyFilter({ reason: r }) }, r), `: ${fmt(n)}`)) : '–'),
    );
  });
  const skipped = Object.entries(f.seeds.skipped ?? {});
  return section(
    'funnel',
    'Funnel',
    h('p', {}, 'seeds read ', h('b', { id: 'seeds-read' }, fmt(f.seeds.read)), skipped.length ? `; skipped ${skipped.map(([r, n]) => `${r} ${n}`).join(', ')}` : '', ' · kept ', h('b', { id: 'kept-total' }, fmt(f.kept)), ' · rejected ', h('b', { id: 'rejected-total' }, fmt(f.rejected))),
    chart('bar', stages, datasets, stackedX, 300),
    h('table', { id: 'funnel-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'stage'), h('th', {}, 'in'), h('th', {}, 'out'), h('th', {}, 'dropped'), h('th', {}, 'drops by reason (click: show those samples)'))), h('tbody', {}, rows)),
  );
}

// ---------- scores ----------
function scores() {
  const judges = Object.entries(data.scores);
  if (!judges.length) return section('scores', 'Judge scores', h('p', { class: 'muted' }, 'No judge verdicts in this run.'));
  const bins = Array.from({ length: 10 }, (_, i) => `${i}–${i + 1}`);
  return section(
    'scores',
    'Judge scores',
    judges.map(([judge, dims]) =>
      h('div', {}, h('h3', {}, judge), h('div', { class: 'grid' }, Object.entries(dims).map(([dim, hist], i) => h('div', { class: 'cell', 'data-dimension': dim }, h('h4', {}, dim, h('span', { class: 'muted' }, ` (${fmt(hist.reduce((a, b) => a + b, 0))})`)), chart('bar', bins, [{ label: dim, data: hist, backgroundColor: colour(i) }], { plugins: { legend: { display: false } } }, 160))))),
    ),
  );
}

// ---------- languages, diagnostics, executions ----------
function languages() {
  const langs = Object.entries(data.languages).sort((a, b) => b[1].kept + b[1].rejected - (a[1].kept + a[1].rejected));
  return section(
    'languages',
    'Languages',
    chart('bar', langs.map(([l]) => l), [{ label: 'kept', data: langs.map(([, v]) => v.kept), backgroundColor: '#59a14f' }, { label: 'rejected', data: langs.map(([, v]) => v.rejected), backgroundColor: '#e15759' }], stackedX, 220),
  );
}

function diagnostics() {
  const codes = Object.entries(data.diagnostics).sort((a, b) => total(b[1]) - total(a[1]));
  if (!codes.length) return section('diagnostics', 'Analyzer diagnostics', h('p', { class: 'muted' }, 'No analyzer reported a diagnostic.'));
  const top = codes.slice(0, 30);
  return section(
    'diagnostics',
    'Analyzer diagnostics by code',
    h('p', { class: 'muted' }, `${codes.length} codes${codes.length > top.length ? `; the ${top.length} most frequent drawn` : ''}. Error-level findings drop a sample.`),
    chart('bar', top.map(([c]) => c), ['error', 'warning', 'info'].map((s, i) => ({ label: s, data: top.map(([, v]) => v[s]), backgroundColor: ['#e15759', '#f28e2b', '#76b7b2'][i] })), stackedY, Math.max(160, 26 * top.length)),
  );
}
const total = (v) => v.error + v.warning + v.info;

function executions() {
  const rows = Object.entries(data.executions);
  if (!rows.length) return section('executions', 'Execution results', h('p', { class: 'muted' }, 'No code was executed in this run (no execution checks).'));
  return section(
    'executions',
    'Execution results',
    chart('bar', rows.map(([k]) => k), ['passed', 'failed', 'skipped'].map((s, i) => ({ label: s, data: rows.map(([, v]) => v[s]), backgroundColor: ['#59a14f', '#e15759', '#bab0ac'][i] })), stackedY, Math.max(140, 40 * rows.length)),
  );
}

// ---------- usage ----------
function usage() {
  const models = Object.entries(data.usage.byModel);
  const rows = data.usage.rows;
  const anyCost = models.some(([, u]) => u.cost !== undefined);
  return section(
    'usage',
    'Token usage and cost',
    h('h3', {}, 'Per model (run.json: every call, including those no sample records)'),
    h('table', { id: 'usage-models' }, h('thead', {}, h('tr', {}, ['model', 'calls', 'cached', 'prompt tokens', 'completion tokens', 'cost'].map((c) => h('th', {}, c)))), h('tbody', {}, models.map(([m, u]) => h('tr', {}, h('th', {}, m), h('td', {}, fmt(u.calls)), h('td', {}, fmt(u.cachedCalls)), h('td', {}, fmt(u.promptTokens)), h('td', {}, fmt(u.completionTokens)), h('td', {}, money(u.cost)))))),
    anyCost ? null : h('p', { class: 'muted' }, 'No prices configured (reporter:html option `prices`), so no cost is shown.'),
    h('h3', {}, 'Per stage and plugin (from the samples’ usage entries)'),
    chart('bar', rows.map((r) => `${r.stage} · ${r.plugin} · ${r.model}`), [{ label: 'prompt tokens', data: rows.map((r) => r.promptTokens), backgroundColor: '#4e79a7' }, { label: 'completion tokens', data: rows.map((r) => r.completionTokens), backgroundColor: '#f28e2b' }], stackedY, Math.max(140, 34 * rows.length)),
    h('table', {}, h('thead', {}, h('tr', {}, ['stage', 'plugin', 'model', 'calls', 'cached', 'prompt tokens', 'completion tokens', 'cost'].map((c) => h('th', {}, c)))), h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, r.stage), h('td', {}, r.plugin), h('td', {}, r.model), h('td', {}, fmt(r.calls)), h('td', {}, fmt(r.cachedCalls)), h('td', {}, fmt(r.promptTokens)), h('td', {}, fmt(r.completionTokens)), h('td', {}, money(r.cost)))))),
  );
}

// ---------- extra sections (graph, bars) ----------
function extra(s) {
  if (s.kind === 'bars') return section(s.id, s.title, h('p', { class: 'muted' }, s.note), chart('bar', s.labels, s.series.map((x, i) => ({ label: x.name, data: x.values, backgroundColor: colour(i) }))));
  if (s.kind === 'graph') return graphSection(s);
  return section(s.id, s.title, h('p', { class: 'muted' }, `This report cannot draw sections of kind "${s.kind}".`));
}

function graphSection(s) {
  const box = h('div', { class: 'graph', id: `${s.id}-canvas` });
  const panel = h('div', { class: 'graph-panel', id: `${s.id}-panel` }, h('p', { class: 'muted' }, 'Hover a keyword to see its problems.'));
  const el = section(s.id, s.title, h('p', { class: 'muted' }, s.note, s.omitted ? ` ${fmt(s.omitted)} lowest-degree keywords left out of the drawing.` : ''), h('div', { class: 'graph-wrap' }, box, panel));
  queueMicrotask(() => {
    const g = new Graph({ type: 'undirected' });
    for (const n of s.nodes) g.addNode(n.key, { x: n.x, y: n.y, size: n.size, label: n.label, color: n.community >= 0 ? colour(n.community) : '#c7c7c7' });
    for (const e of s.edges) if (!g.hasEdge(e.source, e.target)) g.addEdge(e.source, e.target, { size: Math.max(0.5, Math.log2(1 + e.weight) / 2), color: '#ccc' });
    let hovered;
    try {
      const renderer = new Sigma(g, box, {
        labelRenderedSizeThreshold: 8,
        nodeReducer: (node, attrs) => (hovered && node !== hovered && !g.areNeighbors(node, hovered) ? { ...attrs, color: '#e5e5e5', label: '' } : attrs),
        edgeReducer: (edge, attrs) => (hovered && !g.hasExtremity(edge, hovered) ? { ...attrs, hidden: true } : attrs),
      });
      const byKey = new Map(s.nodes.map((n) => [n.key, n]));
      renderer.on('enterNode', ({ node }) => {
        hovered = node;
        renderer.refresh();
        const n = byKey.get(node);
        fill(
          panel,
          h('h3', { 'data-keyword': n.key }, n.label),
          h('p', { class: 'muted' }, `${n.kind}; ${fmt(n.count)} problems; community ${n.community}; ${fmt(g.degree(node))} neighbours`),
          h('ol', { class: 'problems' }, n.problems.map((id) => h('li', {}, h('a', { href: '#samples', onclick: () => selectRecord(id) }, s.titles[id] ?? id)))),
          n.count > n.problems.length ? h('p', { class: 'muted' }, `first ${n.problems.length} listed`) : null,
        );
      });
      renderer.on('leaveNode', () => {
        hovered = undefined;
        renderer.refresh();
      });
      window.__report.graphs[s.id] = renderer;
    } catch (err) {
      box.replaceChildren(h('p', { class: 'error' }, `The graph could not be drawn (${err.message}); this browser may lack WebGL.`));
    }
  });
  return el;
}

// ---------- sample browser ----------
const records = [];
const byId = new Map();
function addRecords(list) {
  for (const r of list) {
    if (byId.has(r.id)) continue;
    byId.set(r.id, r);
    records.push(r);
  }
}
addRecords(data.samples.embedded);

const filter = { text: '', stage: '', reason: '', language: '', strategy: '', minScore: '', maxScore: '' };
let shown = PAGE;
const reasonOf = (r) => (r.dropped ? `${r.dropped.plugin}/${r.dropped.category ?? 'other'}` : '');
const stageOf = (r) => (r.dropped ? r.dropped.stage : 'kept');
const scoreOf = (r) => (r.scores?.length ? r.scores.reduce((a, v) => a + v.score, 0) / r.scores.length : undefined);

function matches(r) {
  if (filter.stage && stageOf(r) !== filter.stage) return false;
  if (filter.reason && reasonOf(r) !== filter.reason) return false;
  if (filter.language && r.language !== filter.language) return false;
  if (filter.strategy && r.lineage?.strategy !== filter.strategy) return false;
  const s = scoreOf(r);
  if (filter.minScore !== '' && !(s >= Number(filter.minScore))) return false;
  if (filter.maxScore !== '' && !(s <= Number(filter.maxScore))) return false;
  if (filter.text) {
    const t = filter.text.toLowerCase();
    if (!(r.id.includes(t) || r.messages.some((m) => m.content.toLowerCase().includes(t)) || (r.dropped?.reason ?? '').toLowerCase().includes(t))) return false;
  }
  return true;
}

const list = h('ol', { id: 'sample-list', class: 'samples' });
const count = h('p', { id: 'sample-count' });
const detail = h('div', { id: 'sample-detail', class: 'detail' }, h('p', { class: 'muted' }, 'Select a sample.'));
const controls = {};

function select(name, values, label) {
  const el = h('select', { id: `filter-${name}`, onchange: () => applyFilter({ [name]: el.value }) }, h('option', { value: '' }, `any ${label}`), values.map((v) => h('option', { value: v }, v)));
  controls[name] = el;
  return el;
}

function applyFilter(change) {
  Object.assign(filter, change);
  for (const [k, v] of Object.entries(change)) if (controls[k] && controls[k].value !== v) controls[k].value = v;
  shown = PAGE;
  renderList();
}

function renderList() {
  const hits = records.filter(matches);
  count.textContent = `${fmt(hits.length)} matching of ${fmt(records.length)} loaded (${fmt(data.samples.total)} in the run)`;
  count.dataset.matches = String(hits.length);
  list.replaceChildren(
    ...hits.slice(0, shown).map((r) =>
      h(
        'li',
        { 'data-id': r.id, 'data-reason': reasonOf(r), 'data-stage': stageOf(r), onclick: () => showRecord(r) },
        h('span', { class: `badge ${r.dropped ? 'bad' : 'good'}` }, stageOf(r)),
        h('span', { class: 'muted' }, ` ${r.language} · ${r.lineage?.strategy ?? ''}${scoreOf(r) !== undefined ? ` · ${scoreOf(r).toFixed(1)}` : ''} `),
        (r.messages.find((m) => m.role === 'user')?.content ?? '').split('\n')[0].slice(0, 160),
        r.dropped ? h('div', { class: 'reason' }, `${reasonOf(r)}: ${r.dropped.reason}`) : null,
      ),
    ),
    hits.length > shown ? h('li', { class: 'more' }, h('button', { onclick: () => ((shown += PAGE), renderList()) }, `show ${Math.min(PAGE, hits.length - shown)} more`)) : '',
  );
}

/** Message content with ``` fences as highlighted code blocks. */
function renderContent(text) {
  const out = [];
  const fence = /```([\w+#.-]*)[^\n]*\n([\s\S]*?)```/g;
  let last = 0;
  for (let m; (m = fence.exec(text)); ) {
    if (m.index > last) out.push(h('div', { class: 'prose' }, text.slice(last, m.index)));
    const lang = m[1] && hljs.getLanguage(m[1]) ? m[1] : undefined;
    const code = h('code', { class: 'hljs' });
    code.innerHTML = lang ? hljs.highlight(m[2], { language: lang }).value : hljs.highlightAuto(m[2]).value;
    out.push(h('pre', { 'data-language': lang ?? 'auto' }, code));
    last = fence.lastIndex;
  }
  if (last < text.length) out.push(h('div', { class: 'prose' }, text.slice(last)));
  return out;
}

function showRecord(r) {
  const l = r.lineage ?? {};
  fill(
    detail,
    h('h3', {}, `sample ${r.id}`, h('span', { class: `badge ${r.dropped ? 'bad' : 'good'}` }, stageOf(r))),
    r.dropped ? h('div', { class: 'dropped', id: 'detail-dropped' }, h('b', {}, `dropped at ${r.dropped.stage} by ${r.dropped.plugin}`), ` (${r.dropped.category ?? 'other'}): ${r.dropped.reason}`) : null,
    h('h4', {}, 'Messages'),
    r.messages.map((m) => h('div', { class: `message ${m.role}` }, h('div', { class: 'role' }, m.role), renderContent(m.content))),
    h('h4', {}, 'Scores'),
    r.scores?.length
      ? h('table', {}, h('tbody', {}, r.scores.map((v) => h('tr', {}, h('th', {}, v.judge), h('td', {}, `${v.score.toFixed(2)} (threshold ${v.threshold}, ${v.passed ? 'passed' : 'failed'}, ${v.judgments} judgments)`), h('td', { class: 'muted' }, Object.entries(v.dimensions ?? {}).map(([d, x]) => `${d} ${Number(x).toFixed(1)}`).join(', '))))))
      : h('p', { class: 'muted' }, 'none'),
    h('h4', {}, 'Checks'),
    r.checks?.length
      ? h('ul', {}, r.checks.map((c) => h('li', {}, `${c.plugin} (${c.tool}, ${c.language}): ${c.skipped ? `skipped: ${c.skipped}` : c.passed ? 'passed' : 'failed'}`, c.diagnostics.length ? h('ul', {}, c.diagnostics.map((d) => h('li', { class: d.severity }, `${d.severity} ${d.tool} ${d.rule}${d.line ? ` line ${d.line}` : ''}: ${d.message}`))) : null)))
      : h('p', { class: 'muted' }, 'none'),
    h('h4', {}, 'Lineage'),
    h(
      'ul',
      { class: 'lineage' },
      h('li', {}, `strategy ${l.strategy}, generation ${l.generation}`),
      h('li', {}, `seed ${l.seedId} from ${l.source}`),
      l.details ? h('li', {}, `details ${JSON.stringify(l.details)}`) : null,
      h('li', {}, 'parents: ', l.parentIds?.length ? l.parentIds.map((p) => (byId.has(p) ? h('a', { href: '#samples', class: 'parent', onclick: () => selectRecord(p) }, p, ' ') : h('span', { class: 'muted', title: 'not loaded' }, `${p} `))) : 'none'),
    ),
    r.meta && Object.keys(r.meta).length ? h('details', {}, h('summary', {}, 'meta'), h('pre', {}, JSON.stringify(r.meta, null, 2))) : null,
  );
  detail.dataset.id = r.id;
}

function selectRecord(id) {
  const r = byId.get(id);
  if (r) showRecord(r);
  else detail.replaceChildren(h('p', { class: 'muted' }, `sample ${id} is not loaded; load all samples above.`));
}

// ---------- lazy loading of the run's JSONL files ----------
async function* lines(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
    const parts = rest.split('\n');
    rest = parts.pop();
    yield* parts;
  }
  if (rest) yield rest;
}

async function loadStream(stream, status) {
  let batch = [];
  for await (const line of lines(stream)) {
    if (!line.trim()) continue;
    batch.push(JSON.parse(line));
    if (batch.length >= 5000) {
      addRecords(batch);
      batch = [];
      status.textContent = `loaded ${fmt(records.length)} of ${fmt(data.samples.total)}…`;
      renderList();
    }
  }
  addRecords(batch);
}

function loader() {
  if (data.samples.complete) return null;
  const status = h('span', { id: 'load-status' });
  const picker = h('input', { type: 'file', accept: '.jsonl', multiple: true, id: 'load-files' });
  const pickerBox = h('span', { hidden: true }, ' Pick samples.jsonl and rejected.jsonl from the run directory: ', picker);
  picker.addEventListener('change', async () => {
    for (const file of picker.files) await loadStream(file.stream(), status);
    status.textContent = `loaded ${fmt(records.length)} records from the files`;
    renderList();
  });
  const button = h('button', {
    id: 'load-all',
    onclick: async () => {
      try {
        for (const name of ['samples.jsonl', 'rejected.jsonl']) {
          const res = await fetch(name);
          if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
          await loadStream(res.body, status);
        }
        status.textContent = `loaded all ${fmt(records.length)} records`;
        renderList();
      } catch (err) {
        // Opened from file://, browsers refuse fetch: let the user hand the files over instead.
        status.textContent = `could not fetch the run's files (${err.message}).`;
        pickerBox.hidden = false;
      }
    },
  }, 'load all samples');
  return h('p', { class: 'notice' }, `${fmt(data.samples.embedded.length)} of ${fmt(data.samples.total)} records are embedded in this page (cap ${fmt(data.samples.embedCap)}); the charts count all of them. `, button, ' ', status, pickerBox);
}

function samples() {
  const fc = data.facets;
  const text = h('input', { id: 'filter-text', type: 'search', placeholder: 'search text, id, drop reason', oninput: () => applyFilter({ text: text.value }) });
  const min = h('input', { id: 'filter-minScore', type: 'number', step: '0.5', placeholder: 'min score', oninput: () => applyFilter({ minScore: min.value }) });
  const max = h('input', { id: 'filter-maxScore', type: 'number', step: '0.5', placeholder: 'max score', oninput: () => applyFilter({ maxScore: max.value }) });
  controls.text = text;
  controls.minScore = min;
  controls.maxScore = max;
  return section(
    'samples',
    'Samples',
    loader(),
    h('div', { class: 'filters' }, text, select('stage', fc.stages, 'stage'), select('reason', fc.reasons, 'drop reason'), select('language', fc.languages, 'language'), select('strategy', fc.strategies, 'strategy'), min, max),
    count,
    h('div', { class: 'browser' }, list, detail),
  );
}

// ---------- page ----------
window.__report = { data, records, graphs: {}, applyFilter, selectRecord };
const nav = h('nav', {}, [['funnel', 'Funnel'], ['scores', 'Scores'], ['languages', 'Languages'], ['diagnostics', 'Diagnostics'], ['executions', 'Executions'], ['usage', 'Usage'], ...data.sections.map((s) => [s.id, s.title]), ['samples', 'Samples']].map(([id, t]) => h('a', { href: `#${id}` }, t)));
document.getElementById('app').replaceChildren(header(), nav, funnel(), scores(), languages(), diagnostics(), executions(), usage(), ...data.sections.map(extra), samples());
renderList();
setTimeout(() => (document.body.dataset.ready = 'true'));
