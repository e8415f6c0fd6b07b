import {Box, useInput} from 'ink';
import type {LoadPhase, LoadProgress} from '../../core/dump/load.js';
import {glyphs} from '../../core/format/glyphs.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {matchKey} from '../keymap.js';
import {computeLayout, type TerminalSize} from '../layout.js';
import {progressBar} from '../state/selectors.js';
import {formatCount, safe, truncateToWidth} from '../text.js';
import {BlankLines} from './BlankLines.js';
import {Line} from './Line.js';

export type LoadingProps = {
	readonly file: string;
	/** 1-based, of `count` dumps. */
	readonly index: number;
	readonly count: number;
	readonly progress: LoadProgress | undefined;
	/** Called on Ctrl-C. */
	readonly onInterrupt: () => void;
	/** Fixed terminal size (tests). */
	readonly size?: TerminalSize;
};

const PHASES: readonly LoadPhase[] = ['reading', 'resolving', 'collapsing', 'parents'];

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** The load screen: a progress bar, bytes, objects, speed and the phase. */
export function Loading({file, index, count, progress, onInterrupt, size}: LoadingProps) {
	const {columns, rows} = useTerminalSize(size);
	useInput((input, key) => {
		if (matchKey('loading', input, key) === 'interrupt') {
			onInterrupt();
		}
	});
	const layout = computeLayout(columns, rows);
	const width = layout.width;
	const lines: Array<{text: string; bold?: boolean; dim?: boolean}> = [];
	const of = count > 1 ? ` (${index} of ${count})` : '';
	lines.push({text: truncateToWidth(`meliae-tui: loading ${safe(file, width)}${of}`, width), bold: true});
	if (progress === undefined) {
		lines.push({text: `opening${glyphs().ellipsis}`});
	} else {
		const {bytesRead, bytesTotal, objects, elapsedMs, phase} = progress;
		const seconds = Math.max(elapsedMs / 1000, 0.001);
		const bar = progressBar(bytesRead, bytesTotal, Math.min(52, width - 6));
		const percent = bytesTotal === undefined || bytesTotal === 0 ? '' : ` ${Math.floor(bytesRead * 100 / bytesTotal)}%`;
		lines.push(
			{text: ''},
			{text: truncateToWidth(bar + percent, width)},
			{text: truncateToWidth(`${mb(bytesRead)}${bytesTotal === undefined ? '' : ` / ${mb(bytesTotal)}`} MB read ${glyphs().dot} ${formatCount(objects)} objects ${glyphs().dot} ${mb(bytesRead / seconds)} MB/s`, width)},
			{text: truncateToWidth(phase === 'reading index' || phase === 'writing index' ? `phase: [${phase}]` : `phase: ${PHASES.map(name => (name === phase ? `[${name}]` : name)).join(' > ')}`, width)},
		);
	}

	lines.push({text: ''}, {text: truncateToWidth('Ctrl-C cancels', width), dim: true});
	const shown = lines.slice(0, layout.height);
	return (
		<Box flexDirection="column" width={layout.width} height={layout.height}>
			{shown.map((line, k) => <Line key={k} text={line.text} bold={line.bold} dim={line.dim}/>)}
			<BlankLines count={layout.height - shown.length}/>
		</Box>
	);
}
