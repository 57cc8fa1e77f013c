// Webhooks: the session's endpoints and its delivery log, with replay.
import { api, changed } from './api.js';
import { $, h, morph, pretty, selectableRows, statusClass, timeOf, toast } from './dom.js';

let deliveries = new Map();

function endpoints(list) {
	morph($('#webhook-endpoints'), [list.length ?
	    h('ul', { class: 'endpoints' }, list.map(w => h('li', { 'data-provider': w.provider },
		h('strong', {}, w.provider), ' → ', h('code', {}, w.url),
		h('span', { class: 'muted' }, ` signed with ${w.secret ? w.secret.slice(0, 6) + '…' : 'the default secret'}`)))) :
	    h('p', { class: 'empty' }, 'No endpoint: SmartRetry and Accelebit send webhooks once one is set below.')]);
}

function row(d) {
	return h('tr', { 'data-delivery-id': d.id, tabindex: 0 },
	    h('td', { class: 'num' }, d.id),
	    h('td', { class: 'time' }, timeOf(d.at)),
	    h('td', {}, d.provider),
	    h('td', {}, d.event),
	    h('td', {}, h('code', {}, d.refund_id || '')),
	    h('td', { class: 'attempt', title: d.attempt === 0 ? 'a replay' : `attempt ${d.attempt}` }, d.attempt),
	    h('td', { class: 'status ' + (d.status ? statusClass(d.status) : 's5') }, d.status === null ? 'failed' : d.status),
	    h('td', { class: 'error' }, d.error || ''),
	    h('td', { class: 'rule' }, d.rule || ''),
	    h('td', {}, h('button', { type: 'button', class: 'replay', 'aria-label': `Replay delivery ${d.id}`,
		onclick: () => replay(d.id) }, 'Replay')));
}

async function replay(id) {
	const r = await api('POST', `/__admin/webhooks/deliveries/${id}/replay`);
	toast(`replaying delivery ${r.replaying}`, 'ok');
	changed('replay');
	// The replay is logged once the receiver answers: look again shortly.
	for (const ms of [300, 1000, 3000])
		setTimeout(() => changed('replay'), ms);
}

// A delivery's headers and payload, under its row.
function pick(tr) {
	const next = tr.nextElementSibling;
	if (next && next.classList.contains('payload')) {
		next.remove();
		tr.setAttribute('aria-expanded', 'false');
		return;
	}
	const d = deliveries.get(Number(tr.dataset.deliveryId));
	tr.setAttribute('aria-expanded', 'true');
	tr.after(h('tr', { class: 'payload' }, h('td', { colspan: 10 },
	    h('pre', { class: 'json' }, pretty({ url: d.url, headers: d.headers, payload: d.payload })))));
}

export async function refresh() {
	const [w, d] = await Promise.all([api('GET', '/__admin/webhooks'), api('GET', '/__admin/webhooks/deliveries')]);
	endpoints(w.webhooks || []);
	const list = d.deliveries || [];
	deliveries = new Map(list.map(x => [x.id, x]));
	morph($('#deliveries'), list.length ? list.slice().reverse().map(row) :
	    [h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No deliveries yet.'))]);
}

export function init() {
	selectableRows($('#deliveries'), pick);
	$('#deliveries-refresh').addEventListener('click', refresh);
	$('#webhook-form').addEventListener('submit', async e => {
		e.preventDefault();
		const body = { provider: $('#webhook-provider').value, url: $('#webhook-url').value.trim() };
		if ($('#webhook-secret').value.trim())
			body.secret = $('#webhook-secret').value.trim();
		await api('POST', '/__admin/webhooks', body);
		toast(`${body.provider} webhooks go to ${body.url}`, 'ok');
		changed('webhooks');
	});
}
