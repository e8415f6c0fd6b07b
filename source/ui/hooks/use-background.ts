import {useEffect, useRef} from 'react';
import type {ExplorerModel} from '../state/model.js';

/** Milliseconds of background work between two looks at the keyboard. */
const SLICE_MS = 8;

/**
 * Run the model's queued jobs in short slices (setImmediate, so key presses
 * are read between slices). Returns `pump`, to call after queueing a job.
 */
export function useBackground(model: ExplorerModel): () => void {
	const handle = useRef<NodeJS.Immediate | undefined>(undefined);
	const alive = useRef(true);
	const pump = useRef((): void => {
		if (handle.current !== undefined || !alive.current) {
			return;
		}

		const tick = (): void => {
			handle.current = undefined;
			if (!alive.current) {
				return;
			}

			if (model.jobs.run(SLICE_MS)) {
				handle.current = setImmediate(tick);
			}
		};

		handle.current = setImmediate(tick);
	});
	useEffect(() => {
		alive.current = true;
		return () => {
			alive.current = false;
			if (handle.current !== undefined) {
				clearImmediate(handle.current);
				handle.current = undefined;
			}
		};
	}, []);
	return pump.current;
}
