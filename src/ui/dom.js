// Small DOM helpers shared by the views: element builders, the toast and the dialogs.

const SVG_NS = 'http://www.w3.org/2000/svg';

function fill(el, props, kids) {
	for (const [k, v] of Object.entries(props || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (typeof v === 'function')
			el.addEventListener(k.replace(/^on/, ''), v);
		else if (k === 'text')
			el.textContent = v;
		else
			el.setAttribute(k, v === true ? '' : v);
	}
	for (const kid of kids.flat(Infinity)) {
		if (kid !== undefined && kid !== null && kid !== false)
			el.append(kid instanceof Node ? kid : String(kid));
	}
	return el;
}

// h('td', {class: 'status'}, '201'): attributes as given, functions as listeners.
export const h = (tag, props, ...kids) => fill(document.createElement(tag), props, kids);
export const svg = (tag, props, ...kids) => fill(document.createElementNS(SVG_NS, tag), props, kids);
export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export const pretty = v => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

// 2026-04-09T14:00:01.500Z -> 14:00:01.500 (the day is in the clock panel).
export const timeOf = iso => (iso ? iso.slice(11, 23) : '');

export function statusClass(status) {
	const n = Number(status);
	if (!n)
		return 's0';
	return n < 300 ? 's2' : n < 400 ? 's3' : n < 500 ? 's4' : 's5';
}

let toastTimer = 0;
export function toast(message, kind = 'error') {
	const t = $('#toast');
	t.textContent = message;
	t.className = 'show ' + kind;
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => { t.className = ''; }, kind === 'error' ? 8000 : 3000);
}

// Opens a <dialog>, resolves with the button value it closed with; focus goes back.
function openDialog(dialog, focus) {
	const back = document.activeElement;
	return new Promise(resolve => {
		dialog.addEventListener('close', () => {
			if (back && back.focus)
				back.focus();
			resolve(dialog.returnValue);
		}, { once: true });
		dialog.returnValue = '';
		dialog.showModal();
		focus.focus();
	});
}

export async function confirmAction(title, text, ok) {
	$('#confirm-title').textContent = title;
	$('#confirm-text').textContent = text;
	$('#confirm-ok').textContent = ok;
	return (await openDialog($('#confirm-dialog'), $('#confirm-cancel'))) === 'ok';
}

export async function askToken() {
	const input = $('#token-input');
	input.value = '';
	return (await openDialog($('#token-dialog'), input)) === 'save' ? input.value.trim() : '';
}

// Calls fn at most once per `ms`, after the last request (wall time: this is only UI).
export function debounce(fn, ms) {
	let timer = 0;
	return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

// Makes rows of a table body pickable by click, Enter or Space, and walkable with arrows.
export function selectableRows(tbody, onPick) {
	tbody.addEventListener('click', e => {
		const tr = e.target.closest('tr[tabindex]');
		if (tr && !e.target.closest('button'))
			onPick(tr);
	});
	tbody.addEventListener('keydown', e => {
		const tr = e.target.closest('tr[tabindex]');
		if (!tr || e.target !== tr)
			return;
		if (e.key === 'Enter' || e.key === ' ') {
			e.preventDefault();
			onPick(tr);
		} else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
			e.preventDefault();
			let next = tr;
			do
				next = e.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling;
			while (next && next.hidden);
			if (next)
				next.focus();
		}
	});
}

const sameAttrs = (a, b) => a.attributes.length === b.attributes.length &&
    [...a.attributes].every(x => b.getAttribute(x.name) === x.value);

// Puts `kids` in `parent`, keeping every node that did not change: a refresh must not
// take the focus away, nor pull a row from under a click.
export function morph(parent, kids) {
	const old = [...parent.childNodes];
	kids.forEach((k, i) => {
		const o = old[i];
		if (!o)
			parent.append(k);
		else if (o.isEqualNode(k))
			return;
		else if (o.nodeType === 1 && o.nodeName === k.nodeName && sameAttrs(o, k))
			morph(o, [...k.childNodes]);
		else
			o.replaceWith(k);
	});
	for (const o of old.slice(kids.length))
		o.remove();
}
