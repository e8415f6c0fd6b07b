/**
 * Child addresses → ordinals through the address hash. Addresses no line of
 * the dump describes get UNRESOLVED_BIT | k, k indexing the returned list of
 * unresolved addresses (one per such reference, in order).
 */

import type {AddressIndex} from '../graph/address-index.js';
import {NO_OBJECT, UNRESOLVED_BIT} from '../graph/layout.js';

/**
 * Resolve `childAddress` into `targets` starting at `offset`. Returns the
 * unresolved addresses, indexed by the k of UNRESOLVED_BIT | k.
 */
export function resolveAddresses(childAddress: Float64Array, index: AddressIndex, targets: Uint32Array, offset: number): Float64Array {
	let unresolved: Float64Array | undefined;
	let count = 0;
	for (let e = 0; e < childAddress.length; e++) {
		const address = childAddress[e]!;
		const ordinal = index.get(address);
		if (ordinal !== NO_OBJECT) {
			targets[offset + e] = ordinal;
			continue;
		}

		// Not de-duplicated here: the builder does it once for the whole dump.
		unresolved ??= new Float64Array(Math.min(childAddress.length - e, 1024));
		if (count === unresolved.length) {
			const grown = new Float64Array(Math.min(childAddress.length, count * 2));
			grown.set(unresolved);
			unresolved = grown;
		}

		targets[offset + e] = UNRESOLVED_BIT | count;
		unresolved[count++] = address;
	}

	return unresolved === undefined ? new Float64Array(0) : unresolved.slice(0, count);
}
