/**
 * Holds the reducer's state outside React so that several keys read in one
 * chunk are each matched against the state the previous key produced.
 * React reads it through useSyncExternalStore; the reducer stays the only
 * place state changes.
 */

import type {Action, State} from './types.js';

export class UiStore {
	private state: State;
	private readonly listeners = new Set<() => void>();

	constructor(private readonly reducer: (state: State, action: Action) => State, initial: State) {
		this.state = initial;
	}

	readonly getState = (): State => this.state;

	readonly dispatch = (action: Action): void => {
		const next = this.reducer(this.state, action);
		if (next !== this.state) {
			this.state = next;
			for (const listener of this.listeners) {
				listener();
			}
		}
	};

	readonly subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	};
}
