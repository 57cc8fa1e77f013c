// The console's shell: views in the URL, the session, the journal stream.
import { api, bus, pageUrl, state, streamUrl } from './api.js';
import { $, $$, debounce } from './dom.js';
import * as faults from './faults.js';
import * as findings from './findings.js';
import * as refunds from './refunds.js';
import * as sessions from './sessions.js';
import * as traffic from './traffic.js';
import * as webhooks from './webhooks.js';

// What each view reloads when shown and when the session moves; traffic comes by stream.
const VIEWS = {
	traffic: null,
	refunds: refunds.refresh,
	faults: faults.refresh,
	webhooks: webhooks.refresh,
	findings: findings.refresh,
	sessions: sessions.refresh,
};

function refreshView(name) {
	const load = VIEWS[name];
	return load ? load() : Promise.resolve();
}

// The visible view reloads now, the others when they are shown.
function invalidate() {
	refreshView(state.view);
	if (state.view !== 'findings')
		findings.refresh().then(traffic.refreshDetail);
}
const invalidateSoon = debounce(invalidate, 150);

function show(view, push) {
	if (!(view in VIEWS))
		view = 'traffic';
	state.view = view;
	for (const v of Object.keys(VIEWS))
		$(`#view-${v}`).hidden = v !== view;
	for (const a of $$('nav a[data-view]')) {
		a.href = pageUrl(state.session, a.dataset.view);
		if (a.dataset.view === view)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
	if (push)
		history.pushState(null, '', pageUrl(state.session, view));
	document.title = `${$(`nav a[data-view="${view}"]`).firstChild.textContent.trim()} · ${state.session} · paymock`;
	refreshView(view);
}

let source = null;
let retry = 0;

function streamState(text, live) {
	const s = $('#stream-state');
	s.textContent = text;
	s.classList.toggle('live', live);
}

// The journal as it happens: the stream replays what is there, then each new entry.
function connect() {
	if (source)
		source.close();
	clearTimeout(retry);
	streamState('connecting', false);
	const es = new EventSource(streamUrl(traffic.lastSeq()));
	source = es;
	es.onopen = () => streamState('live', true);
	es.addEventListener('entry', e => {
		traffic.add(JSON.parse(e.data));
		invalidateSoon();
	});
	es.addEventListener('reset', () => {
		traffic.clear();
		invalidateSoon();
	});
	es.onerror = () => {
		if (es.readyState === EventSource.CLOSED) {
			// Closed for good (a drop, a 401, a 503): ask again a little later.
			streamState('offline', false);
			es.close();
			retry = setTimeout(() => api('GET', '/__admin/clock').then(connect, connect), 3000);
		} else
			streamState('reconnecting', false);
	};
}

function useSession(name, view) {
	state.session = name;
	$('#session-name').textContent = name;
	traffic.clear('Select a request (click it, or Enter) to see it whole.');
	show(view || state.view, false);
	connect();
	findings.refresh();
}

function pick(name) {
	if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
		$('#session-open-name').focus();
		return;
	}
	history.pushState(null, '', pageUrl(name, state.view));
	useSession(name);
}

function init() {
	traffic.init();
	refunds.init();
	faults.init();
	webhooks.init();
	findings.init(seq => {
		show('traffic', true);
		traffic.show(seq);
	});
	sessions.init(pick);
	for (const a of $$('nav a[data-view]')) {
		a.addEventListener('click', e => {
			if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0)
				return;
			e.preventDefault();
			show(a.dataset.view, true);
			$('#main').focus({ preventScroll: true });
		});
	}
	window.addEventListener('popstate', () => {
		const q = new URLSearchParams(location.search);
		const name = q.get('session') || 'default';
		if (name !== state.session)
			useSession(name, q.get('view') || 'traffic');
		else
			show(q.get('view') || 'traffic', false);
	});
	// A running clock moves by itself: so do the timelines on screen.
	setInterval(() => {
		if (state.view === 'refunds' && refunds.running() && !document.hidden)
			refreshView('refunds');
	}, 1000);
	bus.addEventListener('changed', e => {
		// The stream says so too; saying it here spares a moment of stale rows.
		if (e.detail === 'reset')
			traffic.clear();
		invalidate();
	});
	// Ask for the token (if one is needed) before the stream, which cannot.
	api('GET', '/__admin/clock').finally(() => useSession(state.session, state.view));
}

init();
