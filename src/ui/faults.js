// Faults: shipped scenarios, a form that builds one fault, the armed rules.
import { PROVIDERS, api, changed } from './api.js';
import { $, h, morph, pretty, toast } from './dom.js';

const OPERATIONS = ['refund.create', 'refund.status', 'refund.list', 'webhook.deliver'];
const ERRORS = ['provider_unavailable', 'internal_error', 'bad_gateway', 'gateway_timeout',
    'rate_limited', 'unauthorized'];
const OUTCOMES = ['succeeded', 'declined', 'failed', 'stuck'];

// Field kinds: int, num, json, choice (with `of`). From docs/interface.md, "Actions";
// the webhook_* actions act on webhook.deliver.
const ms = { name: 'ms', kind: 'int', hint: 'milliseconds' };
const ACTIONS = {
	respond: { help: 'Answer with this status and body, or a neutral error in the provider\'s own shape.',
	    fields: [{ name: 'status', kind: 'int', hint: '200–599' }, { name: 'error', kind: 'choice', of: ERRORS },
		{ name: 'body', kind: 'json', hint: 'any JSON; needs status' },
		{ name: 'headers', kind: 'json', hint: '{"Name":"value"}' }] },
	delay: { help: 'The normal reply, later (wall time).', fields: [ms,
	    { name: 'min_ms', kind: 'int', hint: 'or a range' }, { name: 'max_ms', kind: 'int' }] },
	hang: { help: 'No reply: the connection is held, then closed.', fields: [{ ...ms, hint: 'optional' }] },
	drop: { help: 'The connection closed, no reply; nothing recorded.' },
	reset: { help: 'A TCP reset; nothing recorded.' },
	commit_then_drop: { help: 'The work is done but the reply is lost: a retry gets the stored result.' },
	truncate: { help: 'The reply cut after this many bytes of body.', fields: [{ name: 'bytes', kind: 'int' }] },
	malformed: { help: '200 with a body that is not JSON.' },
	slow: { help: 'The reply dripped at this rate.', fields: [{ name: 'bytes_per_s', kind: 'int' }] },
	rate_limit: { help: '429 with Retry-After in the provider\'s shape.',
	    fields: [{ name: 'retry_after_s', kind: 'int', hint: 'default 1' }] },
	decline: { help: 'The provider\'s own decline.' },
	outcome: { help: 'This refund\'s life: when it settles and how.',
	    fields: [{ name: 'settle_after_s', kind: 'num', hint: 'seconds' }, { name: 'outcome', kind: 'choice', of: OUTCOMES }] },
	webhook_drop: { help: 'The webhook attempt is not sent.' },
	webhook_delay: { help: 'The attempt is sent later, in virtual seconds.',
	    fields: [{ name: 's', kind: 'num', hint: 'virtual seconds' }] },
	webhook_duplicate: { help: 'The attempt is sent twice.' },
	webhook_reorder: { help: 'The attempt is sent after the refund\'s next event.' },
	webhook_bad_signature: { help: 'The attempt is signed with the wrong secret.' },
};
const DELAY_MS = { name: 'delay_ms', kind: 'int', hint: 'wait first (wall ms)' };

const options = (list, blank) => [blank !== undefined ? h('option', { value: '' }, blank) : null,
    ...list.map(v => h('option', { value: v }, v))];

function field(f) {
	const id = `fault-${f.name}`;
	let input;
	if (f.kind === 'choice')
		input = h('select', { id }, options(f.of, '(none)'));
	else if (f.kind === 'json')
		input = h('textarea', { id, rows: 2, spellcheck: 'false', placeholder: f.hint });
	else
		input = h('input', { id, type: 'number', min: 0, step: f.kind === 'int' ? 1 : 'any', placeholder: f.hint || '' });
	input.dataset.kind = f.kind;
	return h('label', {}, f.name, ' ', input);
}

function showFields() {
	const type = $('#fault-action').value, a = ACTIONS[type];
	$('#fault-action-help').textContent = a.help;
	$('#fault-fields').replaceChildren(...[...(a.fields || []), DELAY_MS].map(field));
	if (type.startsWith('webhook_'))
		$('#fault-operation').value = 'webhook.deliver';
	else if ($('#fault-operation').value === 'webhook.deliver')
		$('#fault-operation').value = '';
}

// The rule the form describes; throws with a message naming the field at fault.
function build() {
	const val = id => $(`#fault-${id}`).value.trim();
	const match = {};
	if (val('provider'))
		match.provider = val('provider');
	if (val('operation'))
		match.operation = val('operation');
	if (val('nth')) {
		const ns = val('nth').split(/[\s,]+/).filter(Boolean).map(Number);
		if (ns.some(n => !Number.isInteger(n) || n < 1))
			throw new Error('nth: whole numbers from 1, separated by commas');
		match.nth = ns.length === 1 ? ns[0] : ns;
	}
	if (val('times'))
		match.times = Number(val('times'));
	if (val('probability'))
		match.probability = Number(val('probability'));
	const action = { type: $('#fault-action').value };
	for (const input of $('#fault-fields').querySelectorAll('[data-kind]')) {
		const v = input.value.trim(), name = input.id.slice('fault-'.length);
		if (v === '')
			continue;
		if (input.dataset.kind === 'json') {
			try {
				action[name] = JSON.parse(v);
			} catch (e) {
				throw new Error(`${name}: not JSON (${e.message})`);
			}
		} else
			action[name] = input.dataset.kind === 'choice' ? v : Number(v);
	}
	// What the server would refuse anyway, said before Arm (scenario.c's rules).
	if (action.type === 'respond' && action.error === undefined && action.body === undefined)
		throw new Error('respond: choose an error, or give a body');
	if (action.body !== undefined && action.status === undefined)
		throw new Error('body: needs a status');
	const rule = { match, action };
	if (val('name'))
		rule.name = val('name');
	return rule;
}

function preview() {
	const pre = $('#fault-json');
	try {
		pre.textContent = pretty(build());
		pre.classList.remove('bad');
		$('#fault-arm').disabled = false;
	} catch (e) {
		pre.textContent = e.message;
		pre.classList.add('bad');
		$('#fault-arm').disabled = true;
	}
}

const matchText = m => Object.entries(m || {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || 'every request';
const actionText = a => Object.entries(a || {}).map(([k, v]) => (k === 'type' ? v : `${k}=${JSON.stringify(v)}`)).join(' ');

function ruleRow(r, removal) {
	return h('li', { class: 'rule' + (r.spent ? ' spent' : ''), 'data-rule': r.name },
	    h('div', {}, h('strong', {}, r.name), ' ', h('span', { class: 'muted' }, removal.what),
		h('div', { class: 'small' }, h('code', {}, matchText(r.match)), ' → ', h('code', {}, actionText(r.action)))),
	    h('div', { class: 'tally' }, 'fired ', h('span', { class: 'fired' }, r.fired), ` · seen ${r.seen}`,
		r.spent ? ' · spent' : ''),
	    h('button', { type: 'button', class: 'remove', 'aria-label': removal.label, title: removal.label,
		onclick: () => remove(removal.path) }, removal.button));
}

async function remove(path) {
	await api('DELETE', path);
	changed('rules');
}

export async function refresh() {
	const data = await api('GET', '/__admin/scenarios');
	const rows = [];
	for (const f of data.faults || []) {
		rows.push(ruleRow(f, { what: 'fault', button: 'Remove', label: `Remove fault ${f.name}`,
		    path: `/__admin/faults/${encodeURIComponent(f.name)}` }));
	}
	for (const s of data.scenarios || []) {
		for (const r of s.rules || []) {
			rows.push(ruleRow(r, { what: `scenario ${s.name}`, button: 'Remove scenario',
			    label: `Remove scenario ${s.name}`, path: `/__admin/scenarios/${encodeURIComponent(s.name)}` }));
		}
	}
	morph($('#rules'), [rows.length ? h('ul', { class: 'rules' }, rows) :
	    h('p', { class: 'empty' }, 'Nothing armed: every request gets the provider\'s normal answer.')]);
}

async function loadAvailable() {
	let list;
	try {
		list = (await api('GET', '/__admin/scenarios/available', undefined, true)).scenarios || [];
	} catch (e) {
		$('#scenario-available').replaceChildren(h('p', { class: 'empty' }, 'This paymock does not list its scenarios.'));
		return;
	}
	$('#scenario-available').replaceChildren(h('ul', { class: 'scenarios' }, list.map(s =>
		h('li', {}, h('div', {}, h('strong', {}, s.name), h('span', { class: 'muted' }, ` · ${s.rules} rule${s.rules === 1 ? '' : 's'}`),
		    h('p', { class: 'small' }, s.description || '')),
		    h('button', { type: 'button', 'data-load-scenario': s.name, 'aria-label': `Load scenario ${s.name}`,
			onclick: async () => {
				const r = await api('POST', `/__admin/scenarios/${encodeURIComponent(s.name)}`);
				toast(`loaded ${r.name}: ${r.rules} rule${r.rules === 1 ? '' : 's'}`, 'ok');
				changed('rules');
			} }, 'Load')))));
}

export function init() {
	$('#fault-provider').append(...options(PROVIDERS));
	$('#fault-operation').append(...options(OPERATIONS));
	$('#fault-action').append(...options(Object.keys(ACTIONS)));
	const form = $('#fault-form');
	form.addEventListener('input', preview);
	form.addEventListener('change', e => {
		if (e.target.id === 'fault-action')
			showFields();
		preview();
	});
	form.addEventListener('submit', async e => {
		e.preventDefault();
		const r = await api('POST', '/__admin/faults', build());
		toast(`armed ${r.name}`, 'ok');
		changed('rules');
	});
	showFields();
	preview();
	loadAvailable();
}
