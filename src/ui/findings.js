// Findings: the integration report of the session (GET /__admin/report).
import { api } from './api.js';
import { $, h, morph } from './dom.js';

let bySeq = new Map();
let onEntry = () => {};

// The findings that cite journal entry `seq`.
export const findingsOf = seq => bySeq.get(seq) || [];

function card(f) {
	const more = [
	    f.refunds && f.refunds.length ? `refunds ${f.refunds.join(', ')}` : '',
	    f.transactions && f.transactions.length ? `transactions ${f.transactions.join(', ')}` : '',
	    f.event_id ? `event ${f.event_id}` : '',
	    f.code ? `warning ${f.code} × ${f.count}` : ''].filter(Boolean);
	return h('article', { class: 'finding ' + f.severity, 'data-finding-rule': f.rule },
	    h('header', {}, h('span', { class: 'sev ' + f.severity }, f.severity), ' ',
		h('strong', {}, f.rule), ` ${f.id} · ${f.provider}`),
	    h('p', {}, f.message),
	    (f.entries || []).length ? h('p', { class: 'entries' }, 'entries ',
		f.entries.map(seq => h('button', { type: 'button', class: 'link',
		    onclick: () => onEntry(seq) }, `#${seq}`))) : null,
	    more.length ? h('p', { class: 'muted' }, more.join(' · ')) : null);
}

export async function refresh() {
	const report = await api('GET', '/__admin/report');
	const findings = report.findings || [];
	bySeq = new Map();
	for (const f of findings) {
		for (const seq of f.entries || [])
			bySeq.set(seq, [...findingsOf(seq), f]);
	}
	$('#findings-count').textContent = findings.length ? String(findings.length) : '';
	const ignored = report.ignored || [];
	morph($('#findings'), [...(findings.length ? findings.map(card) :
	    [h('p', { class: 'empty' }, 'No findings: nothing in this session\'s traffic looks wrong so far.')]),
	    ignored.length ? h('p', { class: 'muted' }, `silenced rules: ${ignored.join(', ')}`) : null].filter(Boolean));
}

export function init(showEntry) {
	onEntry = showEntry;
}
