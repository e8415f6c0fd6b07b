/**
 * Child addresses → ordinals through the address hash. Addresses no line of
 * the dump describes get UNRESOLVED_BIT | k, k indexing the returned list of
 * distinct unresolved addresses (in order of first appearance).
 */

import type {AddressIndex} from '../graph/address-index.js';
import {NO_OBJECT, UNRESOLVED_BIT} from '../graph/layout.js';

/**
 * Resolve `childAddress` into `targets` starting at `offset`. Returns the
 * distinct unresolved addresses, indexed by the k of UNRESOLVED_BIT | k.
 */
export function resolveAddresses(childAddress: Float64Array, index: AddressIndex, targets: Uint32Array, offset: number): Float64Array {
	let unresolvedMap: Map<number, number> | undefined;
	const unresolved: number[] = [];
	for (let e = 0; e < childAddress.length; e++) {
		const address = childAddress[e]!;
		const ordinal = index.get(address);
		if (ordinal !== NO_OBJECT) {
			targets[offset + e] = ordinal;
			continue;
		}

		unresolvedMap ??= new Map();
		let k = unresolvedMap.get(address);
		if (k === undefined) {
			k = unresolved.length;
			unresolvedMap.set(address, k);
			unresolved.push(address);
		}

		targets[offset + e] = UNRESOLVED_BIT | k;
	}

	return Float64Array.from(unresolved);
}
