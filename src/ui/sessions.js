// Sessions: every live session with its activity; pick, reset or delete one.
import { api, changed, pageUrl, state } from './api.js';
import { $, confirmAction, h, morph, selectableRows, toast } from './dom.js';

let onPick = () => {};

function ago(iso) {
	const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
	if (!(s >= 0))
		return iso || '';
	return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` :
	    s < 86400 ? `${Math.floor(s / 3600)} h ago` : `${Math.floor(s / 86400)} d ago`;
}

const kb = n => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

function row(s) {
	const current = s.name === state.session;
	return h('tr', { 'data-session': s.name, tabindex: 0, 'aria-current': current ? 'true' : false,
	    title: current ? 'the session this console shows' : `Enter: show ${s.name}` },
	    h('td', {}, h('a', { href: pageUrl(s.name, 'traffic'), tabindex: -1 }, s.name)),
	    h('td', { title: s.last_seen }, ago(s.last_seen)),
	    h('td', {}, s.now, s.frozen ? ' (frozen)' : ''),
	    h('td', { class: 'num' }, s.refunds),
	    h('td', { class: 'num' }, s.journal),
	    h('td', { class: 'num' }, s.idempotency_keys),
	    h('td', { class: 'num' }, s.webhook_deliveries),
	    h('td', { class: 'num' }, s.webhook_events_pending),
	    h('td', { class: 'num' }, kb(s.bytes)));
}

export async function refresh() {
	const list = (await api('GET', '/__admin/sessions')).sessions || [];
	morph($('#session-list'), list.map(row));
}

export function init(pick) {
	onPick = pick;
	selectableRows($('#session-list'), tr => onPick(tr.dataset.session));
	// The name link is there for "open in a new tab"; a plain click picks in place.
	$('#session-list').addEventListener('click', e => {
		if (e.target.closest('a') && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.button === 0)
			e.preventDefault();
	});
	$('#session-open').addEventListener('submit', e => {
		e.preventDefault();
		onPick($('#session-open-name').value.trim());
	});
	$('#session-reset').addEventListener('click', async () => {
		if (!await confirmAction(`Reset session ${state.session}?`, 'Its refunds, journal, clock, ' +
		    'scenarios, faults and delivery log go back to the start. Webhook endpoints are kept.', 'Reset'))
			return;
		await api('POST', '/__admin/reset');
		toast(`session ${state.session} reset`, 'ok');
		changed('reset');
	});
	$('#session-delete').addEventListener('click', async () => {
		const name = state.session;
		if (!await confirmAction(`Delete session ${name}?`, 'Everything it holds is dropped, ' +
		    'endpoints included. The console goes back to the default session.', 'Delete'))
			return;
		await api('DELETE', `/__admin/sessions/${encodeURIComponent(name)}`);
		toast(`session ${name} deleted`, 'ok');
		onPick('default');
	});
}
