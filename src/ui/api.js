// Every call the console makes: same origin, the session header, the admin token once known.
import { askToken, toast } from './dom.js';

const TOKEN_KEY = 'paymock-admin-token';

export const PROVIDERS = ['smartretry', 'smartpay', 'utgl', 'accelebit', 'payengine'];

const query = new URLSearchParams(location.search);
export const state = {
	session: query.get('session') || 'default',
	view: query.get('view') || 'traffic',
};

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

export const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

// Concurrent 401s share one question: the token is asked for once, and not again
// after a Cancel (a reload asks again).
let asking = null;
let declined = false;
function tokenAgain() {
	if (declined)
		return Promise.resolve('');
	if (!asking) {
		asking = askToken().then(t => {
			if (t)
				sessionStorage.setItem(TOKEN_KEY, t);
			declined = !t;
			asking = null;
			return t;
		});
	}
	return asking;
}

// Resolves with the reply's JSON; a failure rejects with ApiError, shown in #toast unless quiet.
export async function api(method, path, body, quiet) {
	const session = state.session;
	for (let again = true; ; again = false) {
		const headers = { 'X-Paymock-Session': session };
		if (token())
			headers.Authorization = 'Bearer ' + token();
		const init = { method, headers };
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		let res;
		try {
			res = await fetch(path, init);
		} catch (e) {
			toast(`${method} ${path}: paymock is not reachable`);
			throw new ApiError(0, 'unreachable', e.message);
		}
		if (res.status === 401 && again && await tokenAgain())
			continue;
		// An answer about a session the console left must not be drawn over the new one.
		if (session !== state.session)
			throw new ApiError(0, 'stale', `about session ${session}`);
		const text = await res.text();
		let data = text;
		try {
			data = text ? JSON.parse(text) : null;
		} catch (e) {
			// not JSON: kept as text
		}
		if (res.ok)
			return data;
		const err = (data && data.error) || {};
		const e = new ApiError(res.status, err.code || `http_${res.status}`,
		    err.message || res.statusText);
		if (!quiet)
			toast(`${method} ${path}: ${res.status} ${e.code}: ${e.message}`);
		throw e;
	}
}

// Shown already by api(); nothing more to say about it.
window.addEventListener('unhandledrejection', e => {
	if (e.reason instanceof ApiError)
		e.preventDefault();
});

// `since`: the last entry already shown, so a new stream does not send it again.
export function streamUrl(since) {
	const q = new URLSearchParams({ session: state.session });
	if (since)
		q.set('since', since);
	if (token())
		q.set('token', token());
	return `/__admin/journal/stream?${q}`;
}

// The console's own URL for a session and view, so a link can be shared.
export function pageUrl(session, view) {
	return `${location.pathname}?${new URLSearchParams({ session, view })}`;
}

// Same-process event bus: 'changed' after anything that moves session state.
export const bus = new EventTarget();
export const changed = why => bus.dispatchEvent(new CustomEvent('changed', { detail: why }));
