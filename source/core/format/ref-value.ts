/** Text for refs_as_dict / refs_as_list entries, terminal-safe. */

import type {RefValue} from '../analyses/objects.js';
import type {GraphStore} from '../graph/store.js';
import {reprObject, valueText} from './repr.js';

export function formatRefValue(store: GraphStore, item: RefValue): string {
	switch (item.kind) {
		case 'value': {
			return valueText(item.text, item.token);
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
