import { ITEM_STATES, type FleetStatus, type RunSummary, type TenantItem } from '@atlasai/fleet';

/** Every value that reaches the page goes through here: tenant names, errors and targets are data, never markup. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** At most this many tenants are listed; the rest are counted (GET /fleet/data or /api/fleet/status has them all). */
export const ATTENTION_ROWS = 500;
/** How often the page's script reloads its content while a run is open. */
export const REFRESH_MS = 3000;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;justify-content:space-between;align-items:center;padding:10px 20px;background:#1d2330;color:#fff}
header h1{font-size:18px;margin:0}header button{font:inherit}
main{padding:12px 20px}section{margin-bottom:20px}h2{font-size:16px;margin:8px 0}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #d5d9e0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eceff3}td.n{text-align:right;font-variant-numeric:tabular-nums}td.zero{color:#9aa1ad}
.state{font-weight:600}.bad{color:#b3261e}.ok{color:#1e7a34}.muted{color:#5b6473}
code{font-size:12px}.error{max-width:60ch;white-space:pre-wrap;word-break:break-word}
form.login{background:#fff;padding:16px;border:1px solid #d5d9e0;max-width:360px}form.login input{width:100%;box-sizing:border-box;margin:6px 0}
`;

const BAD = new Set(['failed', 'timed_out', 'unreachable', 'drifted', 'behind', 'halted', 'cancelled']);
const stateClass = (state: string) => (BAD.has(state) ? 'state bad' : state === 'succeeded' || state === 'current' ? 'state ok' : 'state');

function htmlDocument(title: string, body: string, options: { nonce?: string; script?: string; live?: boolean } = {}): string {
  const refresh = options.live ? `<noscript><meta http-equiv="refresh" content="${Math.ceil(REFRESH_MS / 1000)}"></noscript>` : '';
  const script = options.script && options.nonce ? `<script nonce="${escapeHtml(options.nonce)}">${options.script}</script>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>${refresh}<style>${STYLE}</style></head><body>${body}${script}</body></html>`;
}

/** The login form: the secret is posted once, and the answer sets the session cookie. */
export function renderLoginPage(message?: string): string {
  const note = message ? `<p class="bad" role="alert">${escapeHtml(message)}</p>` : '';
  return htmlDocument(
    'Fleet · sign in',
    `<header><h1>Fleet</h1></header><main><section><h2>Sign in</h2>${note}
<form class="login" method="post" action="/fleet/login"><label for="secret">Service secret (INTERNAL_SERVICE_SECRET)</label>
<input id="secret" name="secret" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form>
<p class="muted">Signing in sets a cookie for this page only; actions stay with the x-service-secret header.</p></section></main>`,
  );
}

/** A page that only says why there is nothing to show (no secret configured, SQLite, fleet not open). */
export function renderNoticePage(title: string, message: string): string {
  return htmlDocument(
    `Fleet · ${title}`,
    `<header><h1>Fleet</h1></header><main><section><h2>${escapeHtml(title)}</h2><p>${escapeHtml(message)}</p></section></main>`,
  );
}

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const countCell = (n: number) => `<td class="n${n === 0 ? ' zero' : ''}">${n}</td>`;

function renderRun(run: RunSummary): string {
  const throughput = run.throughputPerMinute === null ? '—' : `${run.throughputPerMinute.toFixed(1)} tenants/min`;
  const head = `<tr><th>Wave</th><th>State</th><th>Total</th>${ITEM_STATES.map((s) => `<th>${escapeHtml(s)}</th>`).join('')}</tr>`;
  const rows = run.waves
    .map(
      (w) =>
        `<tr data-wave="${escapeHtml(w.name)}"><td>${escapeHtml(w.name)}</td><td class="${stateClass(w.state)}">${escapeHtml(w.state)}</td>` +
        `${countCell(w.total)}${ITEM_STATES.map((s) => countCell(w.counts[s] ?? 0)).join('')}</tr>`,
    )
    .join('');
  const total =
    `<tr><th>All</th><th class="${stateClass(run.state)}">${escapeHtml(run.state)}</th>${countCell(run.total)}` +
    `${ITEM_STATES.map((s) => countCell(run.counts[s] ?? 0)).join('')}</tr>`;
  return (
    `<section id="run" data-run="${escapeHtml(run.id)}" data-state="${escapeHtml(run.state)}">
<h2>Run <code>${escapeHtml(run.id)}</code> · ${escapeHtml(run.mode)} · <span class="${stateClass(run.state)}">${escapeHtml(run.state)}</span></h2>
<p>Throughput: <strong id="throughput">${escapeHtml(throughput)}</strong> · ETA: ${escapeHtml(duration(run.etaSeconds))} · created ` +
    `${escapeHtml(run.createdAt)}${run.finishedAt ? ` · finished ${escapeHtml(run.finishedAt)}` : ''}</p>
<table id="waves"><thead>${head}</thead><tbody>${rows}</tbody><tfoot>${total}</tfoot></table></section>`
  );
}

/** What is wrong with a tenant, in the words of the page: its failure, else drift, else how far behind it is. */
export function issueOf(item: TenantItem): string {
  if (item.state === 'failed' || item.state === 'timed_out' || item.state === 'unreachable') return item.state;
  if (item.drift === true) return 'drifted';
  if (item.pending !== null && item.pending > 0) return 'behind';
  return item.state;
}

function renderError(item: TenantItem): string {
  const e = item.error;
  if (!e) return '';
  const where = [
    e.version === undefined ? '' : `version ${e.version}`,
    e.statement === undefined ? '' : `statement ${e.statement}`,
    e.sqlstate ? `SQLSTATE ${e.sqlstate}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `<code>${escapeHtml(e.code)}</code> ${escapeHtml(e.message)}${where ? ` <span class="muted">(${escapeHtml(where)})</span>` : ''}`;
}

function renderAttention(items: readonly TenantItem[]): string {
  if (items.length === 0) return `<section id="attention"><h2>Needs attention (0)</h2><p class="ok">Every tenant is current.</p></section>`;
  const shown = items.slice(0, ATTENTION_ROWS);
  const rows = shown
    .map((item) => {
      const issue = issueOf(item);
      const pending = item.pending === null ? '—' : String(item.pending);
      return (
        `<tr data-tenant="${escapeHtml(item.tenantId)}">` +
        `<td>${escapeHtml(item.tenantName ?? '')}<br><code class="muted">${escapeHtml(item.tenantId)}</code></td>
<td class="${stateClass(issue)}">${escapeHtml(issue)}</td><td>${escapeHtml(item.wave)}</td><td class="n">${escapeHtml(item.version ?? '—')}</td>` +
        `<td class="n">${escapeHtml(pending)}</td>
<td><code>${escapeHtml(item.target)}</code></td><td class="n">${item.attempts}</td><td class="error">${renderError(item)}</td></tr>`
      );
    })
    .join('');
  const more = items.length > shown.length ? `<p class="muted">and ${items.length - shown.length} more (GET /fleet/data lists them all).</p>` : '';
  return (
    `<section id="attention"><h2>Needs attention (${items.length})</h2><table><thead><tr>` +
    `<th>Tenant</th><th>Issue</th><th>Wave</th><th>Version</th><th>Pending</th><th>Target</th><th>Attempts</th><th>Error</th></tr></thead>
<tbody>${rows}</tbody></table>${more}</section>`
  );
}

function renderSummary(status: FleetStatus): string {
  const states = Object.entries(status.byState)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `<li><span class="${stateClass(state)}">${escapeHtml(state)}</span>: <strong>${n}</strong></li>`)
    .join('');
  return `<section id="summary"><h2>Tenants: ${status.tenants}</h2><ul>${states}</ul></section>`;
}

function renderOpenRuns(status: FleetStatus, shown: RunSummary | null): string {
  const others = status.liveRuns.filter((r) => r.id !== shown?.id);
  if (others.length === 0) return '';
  const items = others
    .map(
      (r) => `<li><a href="/fleet?run=${encodeURIComponent(r.id)}"><code>${escapeHtml(r.id)}</code></a> · ${escapeHtml(r.mode)} · ${escapeHtml(r.state)}</li>`,
    )
    .join('');
  return `<section id="open-runs"><h2>Other open runs</h2><ul>${items}</ul></section>`;
}

export interface FleetPageModel {
  readonly status: FleetStatus;
  /** The run the page shows: the one asked for, else the newest open run, else the last one. */
  readonly run: RunSummary | null;
  /** Tenants behind, failed, timed out, unreachable or drifted, the shown run's failures first. */
  readonly attention: readonly TenantItem[];
  /** True while a run is open (running, paused or halted): the page then refreshes itself. */
  readonly live: boolean;
  /** This response's CSP nonce for the refresh script. */
  readonly nonce: string;
}

// Reloads only <main>, so the scroll position and the header stay; a lapsed session reloads the whole page (the login form).
const REFRESH_SCRIPT = [
  `(()=>{const main=document.querySelector('main');`,
  `const tick=async()=>{try{const r=await fetch(location.href,{credentials:'same-origin',headers:{accept:'text/html'}});\n`,
  'if(r.status===401||r.status===403){location.reload();return}',
  `if(r.ok){const next=new DOMParser().parseFromString(await r.text(),'text/html').querySelector('main');\n`,
  'if(next){main.replaceChildren(...next.childNodes);main.dataset.live=next.dataset.live}}}catch{}',
  `if(main.dataset.live==='true')setTimeout(tick,${REFRESH_MS})};\n`,
  `if(main.dataset.live==='true')setTimeout(tick,${REFRESH_MS})})();`,
].join('');

export function renderFleetPage(model: FleetPageModel): string {
  const run = model.run
    ? renderRun(model.run)
    : `<section id="run"><h2>No run yet</h2><p class="muted">Start one with POST /api/fleet/runs or npm run migrate:fleet -- run.</p></section>`;
  const body =
    `<header><h1>Fleet</h1><form method="post" action="/fleet/logout"><button type="submit">Sign out</button></form></header>
<main data-live="${model.live}">${renderSummary(model.status)}${run}${renderOpenRuns(model.status, model.run)}${renderAttention(model.attention)}
<p class="muted">${model.live ? `Refreshing every ${REFRESH_MS / 1000} s while a run is open.` : 'No run is open.'} Updated ` +
    `${escapeHtml(new Date().toISOString())}.</p></main>`;
  return htmlDocument('Fleet · AtlasAI Control Plane', body, { nonce: model.nonce, script: REFRESH_SCRIPT, live: model.live });
}
