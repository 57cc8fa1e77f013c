// Refunds & time: transactions with their refunds, state timelines on the virtual clock,
// and the clock's controls.
import { api, changed } from './api.js';
import { $, h, morph, svg } from './dom.js';

// Each provider's own word for paymock's neutral states (docs/providers/).
const WORDS = {
	smartpay: { created: 'REFUND_PENDING', pending: 'REFUND_PENDING', succeeded: 'REFUNDED',
	    declined: 'REFUND_DECLINED', failed: 'REFUND_FAILED' },
	smartretry: { created: 'PROCESSING', pending: 'PROCESSING', succeeded: 'APPROVED',
	    declined: 'DECLINED', failed: 'ERROR' },
	accelebit: { declined: 'failed' },
	payengine: { succeeded: 'PASS', declined: 'FAIL', failed: 'FAIL' },
	utgl: { succeeded: 'refunded' },
};
const word = (provider, neutral) => (WORDS[provider] || {})[neutral] || neutral;

const W = 720, PAD = 14, LABEL_GAP = 112;
let clock = { now: '', frozen: true };

// The provider's words, each once: SmartPay's created and pending are both REFUND_PENDING.
function steps(r) {
	const out = [];
	for (const s of r.history || []) {
		const w = word(r.provider, s.state);
		if (!out.length || out[out.length - 1].word !== w)
			out.push({ word: w, state: s.state, at: Date.parse(s.at) });
	}
	return out;
}

const timeOfMs = ms => new Date(ms).toISOString().slice(11, 23);
const span = ms => (ms < 1000 ? `${ms} ms` : ms < 120000 ? `${+(ms / 1000).toFixed(3)} s` :
    ms < 7200000 ? `${+(ms / 60000).toFixed(1)} min` : `${+(ms / 3600000).toFixed(1)} h`);

// States at their virtual times, from the refund's creation to the session's now.
function timeline(r, now) {
	const st = steps(r);
	const t0 = Date.parse(r.created_at), t1 = Math.max(now, ...st.map(s => s.at));
	const x = t => PAD + (t1 > t0 ? (t - t0) / (t1 - t0) : 0) * (W - 2 * PAD - LABEL_GAP);
	let lastLabel = -Infinity;
	const marks = st.map((s, i) => {
		const cx = x(s.at);
		// Close steps keep their true place; only their labels move apart.
		const lx = Math.max(cx, lastLabel + LABEL_GAP);
		lastLabel = lx;
		const next = st[i + 1] ? x(st[i + 1].at) : x(t1);
		return svg('g', { 'data-timeline-state': s.word, 'data-neutral-state': s.state, class: 'st-' + s.state },
		    svg('line', { x1: cx, x2: next, y1: 16, y2: 16, class: 'seg' }),
		    svg('circle', { cx, cy: 16, r: 6 }),
		    svg('text', { x: lx, y: 40, class: 'lbl' }, s.word),
		    svg('text', { x: lx, y: 56, class: 'tick' }, i ? `+${span(s.at - t0)}` : timeOfMs(s.at)),
		    svg('title', {}, `${s.word} at ${new Date(s.at).toISOString()}`));
	});
	return svg('svg', { class: 'timeline', viewBox: `0 0 ${W} 64`, role: 'img',
	    'aria-label': `${st.map(s => s.word).join(' → ')}; now ${span(now - t0)} after creation` },
	    svg('line', { x1: PAD, x2: x(t1), y1: 16, y2: 16, class: 'axis' }),
	    marks,
	    svg('line', { x1: x(now), x2: x(now), y1: 4, y2: 28, class: 'now' }),
	    svg('text', { x: x(now) + 6, y: 10, class: 'nowlbl' }, `now +${span(now - t0)}`));
}

function refundCard(r, now) {
	const w = word(r.provider, r.state);
	return h('div', { class: 'refund', 'data-refund-id': r.id, 'data-state': w, 'data-neutral-state': r.state },
	    h('div', { class: 'refund-head' },
		h('code', {}, r.id), h('span', { class: 'amount' }, `${r.amount} ${r.currency}`),
		h('span', { class: 'badge st-' + r.state }, w),
		h('span', { class: 'muted' }, `created ${r.created_at}`)),
	    timeline(r, now));
}

function render(transactions, refunds) {
	const now = Date.parse(clock.now);
	const byTxn = new Map();
	for (const r of refunds) {
		const k = `${r.provider}/${r.transaction_id}`;
		byTxn.set(k, [...(byTxn.get(k) || []), r]);
	}
	const txns = new Map(transactions.map(t => [`${t.provider}/${t.id}`, t]));
	const groups = [...byTxn.entries()].map(([k, rs]) => {
		const t = txns.get(k) || { provider: rs[0].provider, id: rs[0].transaction_id };
		return h('section', { class: 'txn panel', 'aria-label': `transaction ${t.id}` },
		    h('h3', {}, h('span', { class: 'prov' }, t.provider), ' ', h('code', {}, t.id)),
		    t.amount ? h('p', { class: 'muted' }, `${t.amount} ${t.currency} · ${t.state} · refunded ${t.refunded}`) : null,
		    rs.map(r => refundCard(r, now)));
	});
	morph($('#refunds'), groups.length ? groups : [h('p', { class: 'empty' }, 'No refunds in this session yet.')]);
}

function showClock(c) {
	clock = c;
	$('#clock-now').textContent = c.now;
	$('#clock-mode').textContent = c.frozen ? 'frozen' : 'running';
	$('#clock-freeze').textContent = c.frozen ? 'Unfreeze' : 'Freeze';
	$('#clock-freeze').setAttribute('aria-pressed', String(c.frozen));
	$('#clock-set-input').placeholder = c.now;
}

export const running = () => !clock.frozen;

export async function refresh() {
	const [c, t, r] = await Promise.all([api('GET', '/__admin/clock'),
	    api('GET', '/__admin/transactions'), api('GET', '/__admin/refunds')]);
	showClock(c);
	render(t.transactions || [], r.refunds || []);
}

async function clockCall(path, body) {
	showClock(await api('POST', path, body));
	changed('clock');
}

export function init() {
	for (const b of document.querySelectorAll('button[data-advance]'))
		b.addEventListener('click', () => clockCall('/__admin/clock/advance', { seconds: Number(b.dataset.advance) }));
	$('#advance-go').addEventListener('click', () => {
		const s = Number($('#advance-custom').value);
		if ($('#advance-custom').value !== '' && s >= 0)
			clockCall('/__admin/clock/advance', { seconds: s });
		else
			$('#advance-custom').focus();
	});
	$('#advance-custom').addEventListener('keydown', e => {
		if (e.key === 'Enter')
			$('#advance-go').click();
	});
	$('#clock-set-go').addEventListener('click', () => {
		const now = $('#clock-set-input').value.trim();
		if (now)
			clockCall('/__admin/clock/set', { now });
		else
			$('#clock-set-input').focus();
	});
	$('#clock-set-input').addEventListener('keydown', e => {
		if (e.key === 'Enter')
			$('#clock-set-go').click();
	});
	$('#clock-freeze').addEventListener('click', () =>
		clockCall(clock.frozen ? '/__admin/clock/unfreeze' : '/__admin/clock/freeze'));
}
