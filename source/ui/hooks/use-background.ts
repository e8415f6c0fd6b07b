import {useEffect, useRef} from 'react';
import type {ExplorerModel} from '../state/model.js';
import {BackgroundPump} from '../state/pump.js';

/**
 * Run the model's queued jobs in short slices between key presses (see
 * BackgroundPump). Returns `pump`, to call after queueing a job.
 */
export function useBackground(model: ExplorerModel): () => void {
	const pump = useRef<BackgroundPump | undefined>(undefined);
	pump.current ??= new BackgroundPump(model.jobs);
	useEffect(() => {
		const current = pump.current!;
		current.resume();
		return () => {
			current.stop();
		};
	}, []);
	return pump.current.pump;
}
