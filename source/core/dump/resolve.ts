/**
 * Child addresses → ordinals through the address hash. Addresses no line of
 * the dump describes get UNRESOLVED_BIT | k, k indexing the returned list of
 * distinct unresolved addresses (in order of first appearance).
 */

import type {AddressIndex} from '../graph/address-index.js';
import {NO_OBJECT, UNRESOLVED_BIT} from '../graph/layout.js';

export type ResolvedEdges = {
	targets: Uint32Array;
	unresolved: Float64Array;
};

/**
 * @param inPlace write the targets over the addresses' own buffer (each
 *   4-byte target lands at or before the 8-byte address it replaces, which
 *   has been read by then): no fresh memory to touch
 */
export function resolveAddresses(childAddress: Float64Array, index: AddressIndex, inPlace = false): ResolvedEdges {
	const targets = inPlace
		? new Uint32Array(childAddress.buffer, childAddress.byteOffset, childAddress.length)
		: new Uint32Array(childAddress.length);
	let unresolvedMap: Map<number, number> | undefined;
	const unresolved: number[] = [];
	for (let e = 0; e < childAddress.length; e++) {
		const address = childAddress[e]!;
		const ordinal = index.get(address);
		if (ordinal !== NO_OBJECT) {
			targets[e] = ordinal;
			continue;
		}

		unresolvedMap ??= new Map();
		let k = unresolvedMap.get(address);
		if (k === undefined) {
			k = unresolved.length;
			unresolvedMap.set(address, k);
			unresolved.push(address);
		}

		targets[e] = UNRESOLVED_BIT | k;
	}

	return {targets, unresolved: Float64Array.from(unresolved)};
}
