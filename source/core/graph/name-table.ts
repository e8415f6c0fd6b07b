/**
 * Distinct strings (type names) → dense ids, in order of first appearance:
 * an open-addressing hash on an Int32Array over the names array. A JS Map
 * holds at most 2^24 entries, and a hostile dump may have a type name per
 * object.
 */

function hashString(text: string): number {
	let hash = 0x81_1c_9d_c5;
	for (let i = 0; i < text.length; i++) {
		hash = Math.imul(hash ^ text.charCodeAt(i), 0x01_00_01_93);
	}

	return hash >>> 0;
}

export class NameTable {
	readonly names: string[] = [];
	private slots = new Int32Array(64).fill(-1);

	/** The id of `name`, added when new. */
	idOf(name: string): number {
		let mask = this.slots.length - 1;
		const hash = hashString(name);
		let slot = hash & mask;
		for (;;) {
			const id = this.slots[slot]!;
			if (id < 0) {
				break;
			}

			if (this.names[id] === name) {
				return id;
			}

			slot = (slot + 1) & mask;
		}

		const id = this.names.length;
		this.names.push(name);
		if (this.names.length * 2 > this.slots.length) {
			this.grow();
			mask = this.slots.length - 1;
			slot = hash & mask;
			while (this.slots[slot]! >= 0) {
				slot = (slot + 1) & mask;
			}
		}

		this.slots[slot] = id;
		return id;
	}

	private grow(): void {
		this.slots = new Int32Array(this.slots.length * 2).fill(-1);
		const mask = this.slots.length - 1;
		// Every name but the one being added (its slot is chosen by the caller).
		for (let id = 0; id < this.names.length - 1; id++) {
			let slot = hashString(this.names[id]!) & mask;
			while (this.slots[slot]! >= 0) {
				slot = (slot + 1) & mask;
			}

			this.slots[slot] = id;
		}
	}
}
