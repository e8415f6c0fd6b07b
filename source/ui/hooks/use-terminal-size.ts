import {useStdout} from 'ink';
import {useEffect, useState} from 'react';
import {DEFAULT_SIZE, type TerminalSize} from '../layout.js';

function read(stdout: NodeJS.WriteStream): TerminalSize {
	const columns = stdout.columns;
	const rows = stdout.rows;
	return {
		columns: typeof columns === 'number' && columns > 0 ? columns : DEFAULT_SIZE.columns,
		rows: typeof rows === 'number' && rows > 0 ? rows : DEFAULT_SIZE.rows,
	};
}

/** The terminal's size, updated on resize; `fixed` (tests) overrides it. */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState<TerminalSize>(() => fixed ?? read(stdout));
	useEffect(() => {
		if (fixed !== undefined) {
			setSize(previous => (previous.columns === fixed.columns && previous.rows === fixed.rows ? previous : fixed));
			return;
		}

		const onResize = (): void => {
			const next = read(stdout);
			setSize(previous => (previous.columns === next.columns && previous.rows === next.rows ? previous : next));
		};

		onResize();
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout, fixed?.columns, fixed?.rows]);
	return size;
}
