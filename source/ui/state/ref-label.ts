/**
 * How a parent holds an object, for the parents list: `['SESSION_CACHE'] in
 * dict(...)`, `._sessions in SessionCache(...)`, `[3] in list(...)`. Found
 * by scanning the parent's references for the object (at most SCAN_LIMIT of
 * them, so a parent with millions of references costs no more than a
 * small one); unknown roles give no label.
 */

import {FLAG_COLLAPSED} from '../../core/graph/layout.js';
import {UNRESOLVED_BIT, type GraphStore} from '../../core/graph/store.js';
import {pythonRepr} from '../../core/format/python.js';

const SCAN_LIMIT = 50_000;
const KEY_CHARS = 40;

const IDENTIFIER = /^[A-Za-z_]\w*$/;

function keyText(store: GraphStore, key: number): string | undefined {
	if (key >= UNRESOLVED_BIT) {
		return undefined;
	}

	const kind = store.valueKind(key);
	if (kind === 'none') {
		return undefined;
	}

	const value = store.value(key)!;
	const clipped = value.length > KEY_CHARS ? value.slice(0, KEY_CHARS) + '…' : value;
	return kind === 'token' ? clipped : pythonRepr(clipped);
}

export function referenceLabel(store: GraphStore, parent: number, child: number): string | undefined {
	const type = store.typeName(parent);
	const start = store.firstChild[parent]!;
	const end = Math.min(store.firstChild[parent + 1]!, start + SCAN_LIMIT);
	const targets = store.childTargets;
	const collapsed = (store.objectFlags[parent]! & FLAG_COLLAPSED) !== 0;
	if (type === 'dict' || type === 'module' || collapsed) {
		for (let e = start; e + 1 < end; e += 2) {
			if (targets[e + 1] === child) {
				const key = keyText(store, targets[e]!);
				if (key === undefined) {
					return undefined;
				}

				// Attributes of instances and modules read as attributes.
				const name = store.value(targets[e]!) ?? '';
				return (collapsed || type === 'module') && IDENTIFIER.test(name) ? `.${name}` : `[${key}]`;
			}

			if (targets[e] === child) {
				return 'a key';
			}
		}

		return undefined;
	}

	if (type === 'list' || type === 'tuple' || type === 'collections.deque') {
		for (let e = start; e < end; e++) {
			if (targets[e] === child) {
				return `[${e - start}]`;
			}
		}
	}

	return undefined;
}
