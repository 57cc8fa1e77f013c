// Live traffic: the journal as the stream brings it, filters, the detail of one entry.
import { PROVIDERS, state } from './api.js';
import { $, h, morph, pretty, selectableRows, statusClass, timeOf, toast } from './dom.js';
import { findingsOf } from './findings.js';

const OPERATIONS = ['refund.create', 'refund.status', 'refund.list', 'unknown'];
// Headers curl makes by itself, or that would be wrong when replayed.
const CURL_SKIP = new Set(['host', 'content-length', 'connection', 'x-paymock-session',
    'accept-encoding', 'transfer-encoding']);

const entries = new Map();
let selected = 0;
const tbody = () => $('#journal');

const filter = {};
function readFilters() {
	for (const k of ['provider', 'operation', 'status', 'rule', 'warnings'])
		filter[k] = $(`#filter-${k}`).value.trim().toLowerCase();
}

const warningsOf = e => e.warnings || [];

function statusMatches(status, want) {
	if (!want)
		return true;
	const m = /^([0-9])xx$/.exec(want);
	return m ? Math.floor(status / 100) === Number(m[1]) : String(status) === want;
}

function ruleMatches(rule, want) {
	if (!want)
		return true;
	if (want === 'none')
		return !rule;
	return !!rule && rule.toLowerCase().includes(want);
}

function shown(e) {
	const nwarn = warningsOf(e).length;
	return (!filter.provider || e.provider === filter.provider) &&
	    (!filter.operation || e.operation === filter.operation) &&
	    statusMatches(e.response ? e.response.status : 0, filter.status) &&
	    ruleMatches(e.rule, filter.rule) &&
	    (!filter.warnings || (filter.warnings === 'with') === (nwarn > 0));
}

function row(e) {
	const status = e.response ? e.response.status : 0;
	const warnings = warningsOf(e);
	return h('tr', { 'data-seq': e.seq, tabindex: -1, 'aria-selected': String(e.seq === selected) },
	    h('td', { class: 'num' }, e.seq),
	    h('td', { class: 'time' }, timeOf(e.at)),
	    h('td', { class: 'provider' }, e.provider),
	    h('td', { class: 'operation' }, e.operation),
	    h('td', { class: 'path', title: e.path }, h('b', {}, e.method), ' ',
		e.path.startsWith(`/${e.provider}/`) ? e.path.slice(e.provider.length + 1) : e.path),
	    h('td', { class: 'status ' + statusClass(status) }, status || 'none'),
	    h('td', { class: 'rule', title: e.rule ? `${e.rule} → ${e.action}` : '' }, e.rule || ''),
	    h('td', { class: 'warnings', title: warnings.map(w => w.text).join('\n') },
		warnings.map(w => w.code).join(', ')));
}

// The table holds the newest MAX_ROWS entries the filters let through; every entry is
// kept and filters search them all. More rows is a long layout that nobody reads.
const MAX_ROWS = 500;
let nmatch = 0;

function counted() {
	const n = entries.size, rows = tbody().rows.length;
	$('#journal-count').textContent = (nmatch === n ? `${n} requests` : `${nmatch} of ${n} requests`) +
	    (rows < nmatch ? `, newest ${rows} shown` : '');
	$('#journal-empty').hidden = n > 0;
}

// One row is in the Tab order (a roving tabindex): the picked one, else the newest.
let rover = null;
function rove(tr) {
	if (rover)
		rover.tabIndex = -1;
	if (tr)
		tr.tabIndex = 0;
	rover = tr;
}

function render() {
	readFilters();
	nmatch = 0;
	const rows = [];
	for (const e of [...entries.values()].reverse()) {
		if (shown(e) && ++nmatch <= MAX_ROWS)
			rows.push(row(e));
	}
	rover = null;
	tbody().replaceChildren(...rows);
	rove(tbody().querySelector('tr[aria-selected="true"]') || tbody().firstElementChild);
	counted();
}

// Rows go in on the next frame, all that came meanwhile at once; while entries pour in
// (the last frame had several: a stream replaying thousands) at most every BATCH_MS,
// so layouts stay few.
const BATCH_MS = 250;
let pending = [];
let flushed = 0;
let flood = false;
function flush() {
	const batch = pending;
	pending = [];
	flushed = performance.now();
	flood = batch.length > 1;
	if (batch.some(e => entries.has(e.seq))) {
		// A stream that started over: sent again, drawn again.
		for (const e of batch)
			entries.set(e.seq, e);
		render();
		return;
	}
	const fresh = [];
	for (const e of batch) {
		entries.set(e.seq, e);
		if (shown(e)) {
			nmatch++;
			fresh.push(e);
		}
	}
	const top = document.createDocumentFragment();
	for (const e of fresh.slice(-MAX_ROWS))
		top.prepend(row(e));
	tbody().prepend(top);
	for (let n = tbody().rows.length; n > MAX_ROWS; n--) {
		if (tbody().lastElementChild === rover)
			rover = null;
		tbody().lastElementChild.remove();
	}
	if (!selected || !rover)
		rove(tbody().firstElementChild);
	counted();
}

// Called for each stream event.
export function add(e) {
	if (!pending.length) {
		const wait = flood ? flushed + BATCH_MS - performance.now() : 0;
		if (wait > 0)
			setTimeout(() => requestAnimationFrame(flush), wait);
		else
			requestAnimationFrame(flush);
	}
	pending.push(e);
}

export const lastSeq = () => Math.max(0, ...entries.keys());

export function clear(why = 'The journal was emptied (the session was reset).') {
	entries.clear();
	pending = [];
	selected = 0;
	nmatch = 0;
	rover = null;
	tbody().replaceChildren();
	$('#entry-detail').replaceChildren(h('p', { class: 'empty' }, why));
	counted();
}

const quote = s => `'${String(s).replace(/'/g, `'\\''`)}'`;

// A command that sends the same request again, to this server, in this session.
export function curlOf(e) {
	const parts = ['curl -i', `-X ${e.method}`, quote(location.origin + e.path),
	    `-H ${quote('X-Paymock-Session: ' + state.session)}`];
	const headers = (e.request && e.request.headers) || {};
	for (const [k, v] of Object.entries(headers)) {
		if (!CURL_SKIP.has(k.toLowerCase()))
			parts.push(`-H ${quote(`${k}: ${v}`)}`);
	}
	const body = e.request ? e.request.body : null;
	if (body !== null && body !== undefined)
		parts.push(`--data-raw ${quote(typeof body === 'string' ? body : JSON.stringify(body))}`);
	const cmd = parts.join(' \\\n  ');
	// A body longer than --journal-capture was kept cut: say so rather than resend it quietly.
	return body && body.truncated === true && body.body_length ? `# the journal kept only part of this ${body.body_length}-byte body\n${cmd}` : cmd;
}

function headerList(headers, none) {
	const names = Object.keys(headers || {});
	if (!names.length)
		return h('p', { class: 'muted' }, none);
	return h('dl', { class: 'headers' }, names.map(k => [h('dt', {}, k), h('dd', {}, headers[k])]));
}

function bodyBlock(body) {
	if (body === null || body === undefined)
		return h('p', { class: 'muted' }, 'no body');
	return h('pre', { class: 'json' }, pretty(body));
}

async function copy() {
	try {
		await navigator.clipboard.writeText($('#curl-text').textContent);
		toast('curl command copied', 'ok');
	} catch (err) {
		// No clipboard (an insecure origin, a headless browser): select it for Ctrl+C.
		const range = document.createRange();
		range.selectNodeContents($('#curl-text'));
		getSelection().removeAllRanges();
		getSelection().addRange(range);
		toast('the command is selected: press Ctrl+C', 'ok');
	}
}

function detail(e) {
	const status = e.response ? e.response.status : 0;
	const findings = findingsOf(e.seq);
	const curl = curlOf(e);
	const facts = [
	    ['time', e.at], ['provider', e.provider], ['operation', e.operation],
	    ['rule', e.rule ? `${e.rule} → ${e.action}` : 'none fired'],
	    ['refund', e.refund_id], ['note', e.note],
	    ['reply lost', e.reply_lost ? 'yes: the client never got the whole reply' : null],
	    ['Retry-After', e.retry_after]].filter(f => f[1] !== null && f[1] !== undefined);
	return [
	    h('h3', {}, `#${e.seq} `, h('b', {}, e.method), ` ${e.path} `,
		h('span', { class: 'badge ' + statusClass(status) }, status || 'no reply')),
	    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
	    warningsOf(e).length ? h('div', { class: 'warn-box' }, h('h4', {}, 'Warnings'),
		h('ul', {}, warningsOf(e).map(w => h('li', {}, h('code', {}, w.code), ' ', w.text)))) : null,
	    findings.length ? h('div', { class: 'finding-box' }, h('h4', {}, 'Findings'),
		h('ul', {}, findings.map(f => h('li', {}, h('span', { class: 'sev ' + f.severity }, f.severity),
		    ' ', h('code', {}, f.rule), ' ', f.message)))) : null,
	    h('h4', {}, 'Request headers'), headerList(e.request && e.request.headers, 'none'),
	    h('h4', {}, 'Request body'), bodyBlock(e.request && e.request.body),
	    h('h4', {}, 'Reply body'), bodyBlock(e.response && e.response.body),
	    h('h4', {}, 'Reply headers'), headerList(e.response && e.response.headers, 'none'),
	    h('div', { class: 'row' }, h('h4', {}, 'As curl'),
		h('button', { id: 'copy-curl', type: 'button', onclick: copy }, 'Copy as curl')),
	    h('pre', { id: 'curl-text' }, curl),
	];
}

// Shows entry `seq` in the detail panel, and marks its row when the table has it.
function select(seq) {
	const e = entries.get(seq);
	if (!e)
		return null;
	const old = tbody().querySelector('tr[aria-selected="true"]');
	if (old)
		old.setAttribute('aria-selected', 'false');
	const tr = tbody().querySelector(`tr[data-seq="${seq}"]`);
	if (tr) {
		tr.setAttribute('aria-selected', 'true');
		rove(tr);
	}
	selected = seq;
	// Redrawn in place: new findings must not scroll the reader back to the top.
	morph($('#entry-detail'), detail(e).filter(Boolean));
	return tr;
}

// Findings arrive after the entry: redraw an open detail so it lists them.
export function refreshDetail() {
	if (selected)
		select(selected);
}

// From a finding's entry link: show that entry, the filters cleared if they hide it.
export function show(seq) {
	if (!entries.has(seq)) {
		toast(`entry ${seq} is no longer in the journal`);
		return;
	}
	if (!tbody().querySelector(`tr[data-seq="${seq}"]`)) {
		$('#traffic-filters').reset();
		render();
	}
	const tr = select(seq);
	if (tr)
		tr.focus();
}

export function init() {
	for (const p of PROVIDERS)
		$('#filter-provider').append(h('option', { value: p }, p));
	for (const o of OPERATIONS)
		$('#filter-operation').append(h('option', { value: o }, o));
	const form = $('#traffic-filters');
	form.addEventListener('input', render);
	form.addEventListener('change', render);
	form.addEventListener('submit', e => e.preventDefault());
	form.addEventListener('reset', () => setTimeout(render));
	selectableRows(tbody(), tr => select(Number(tr.dataset.seq)));
	tbody().addEventListener('focusin', e => {
		const tr = e.target.closest('tr[tabindex]');
		if (tr)
			rove(tr);
	});
	readFilters();
	counted();
}
