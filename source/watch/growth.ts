/**
 * Growth streaks: for each type (by name), how many steps in a row, up to
 * the newest dump, it grew. A step grows as in trend (core/analyses/trend.ts):
 * neither count nor size went down, and one of them went up. Streaks run
 * over every dump taken, not only the ones kept on disk.
 */

import type {TypeTotals} from '../core/analyses/diff.js';

export type TypeStreak = {
	/** Steps in a row that grew, ending at the newest dump. */
	steps: number;
	/** Count and size at the start of the streak and now. */
	firstCount: number;
	firstSize: number;
	count: number;
	size: number;
};

export class GrowthTracker {
	private readonly streaks = new Map<string, TypeStreak>();
	private dumps = 0;

	/** Take the newest dump's per-type totals. */
	add(totals: TypeTotals): void {
		const now = new Map<string, {count: number; size: number}>();
		for (const [id, name] of totals.typeNames.entries()) {
			const count = totals.counts[id]!;
			if (count > 0) {
				const seen = now.get(name);
				now.set(name, {count: count + (seen?.count ?? 0), size: totals.sizes[id]! + (seen?.size ?? 0)});
			}
		}

		const first = this.dumps === 0;
		this.dumps++;
		// Types gone from the newest dump end their streak.
		for (const name of this.streaks.keys()) {
			if (!now.has(name)) {
				this.streaks.delete(name);
			}
		}

		for (const [name, {count, size}] of now) {
			const old = this.streaks.get(name);
			if (old === undefined) {
				// New in this dump: it went from nothing to something, a step that grew (after the first dump).
				this.streaks.set(name, {steps: first ? 0 : 1, firstCount: first ? count : 0, firstSize: first ? size : 0, count, size});
				continue;
			}

			const dc = count - old.count;
			const ds = size - old.size;
			if (dc >= 0 && ds >= 0 && (dc > 0 || ds > 0)) {
				this.streaks.set(name, {...old, steps: old.steps + 1, count, size});
			} else {
				this.streaks.set(name, {steps: 0, firstCount: count, firstSize: size, count, size});
			}
		}
	}

	/**
	 * The type that grew at `steps` or more steps in a row; undefined when
	 * none did. Of several, the first of `preferred` (the types of the leak
	 * candidate groups, largest first: what the leaked objects are, rather
	 * than the strings and ints inside them), else the one whose count grew
	 * most over its streak (a list that keeps the leaked objects grows in
	 * size, not in count).
	 */
	grownFor(steps: number, preferred: readonly string[] = []): {type: string; streak: TypeStreak} | undefined {
		for (const type of preferred) {
			const streak = this.streaks.get(type);
			if (streak !== undefined && streak.steps >= steps) {
				return {type, streak};
			}
		}

		let best: {type: string; streak: TypeStreak} | undefined;
		for (const [type, streak] of this.streaks) {
			if (streak.steps < steps) {
				continue;
			}

			if (best === undefined || compare(type, streak, best.type, best.streak) < 0) {
				best = {type, streak};
			}
		}

		return best;
	}

	streakOf(type: string): TypeStreak | undefined {
		return this.streaks.get(type);
	}
}

function compare(typeA: string, a: TypeStreak, typeB: string, b: TypeStreak): number {
	return ((b.count - b.firstCount) - (a.count - a.firstCount))
		|| ((b.size - b.firstSize) - (a.size - a.firstSize))
		|| (typeA < typeB ? -1 : (typeA > typeB ? 1 : 0));
}
