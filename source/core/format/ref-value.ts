/** Text for refs_as_dict / refs_as_list entries, terminal-safe. */

import type {RefValue} from '../analyses/objects.js';
import type {GraphStore} from '../graph/store.js';
import {escapeControls} from './escape.js';
import {pythonRepr} from './python.js';
import {reprObject} from './repr.js';

export function formatRefValue(store: GraphStore, item: RefValue): string {
	switch (item.kind) {
		case 'value': {
			return item.token ? escapeControls(item.text) : pythonRepr(item.text);
		}

		case 'none': {
			return 'None';
		}

		case 'bool': {
			return item.value ? 'True' : 'False';
		}

		case 'missing': {
			return `<missing ${store.targetAddress(item.target)}>`;
		}

		case 'object': {
			return reprObject(store, item.target);
		}

		case 'no-key': {
			return '(key not in dump)';
		}
	}
}
