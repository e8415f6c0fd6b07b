import {MIN_COLUMNS, MIN_ROWS, type Layout} from '../layout.js';
import {truncateToWidth} from '../text.js';
import {BlankLines} from './BlankLines.js';
import {Line} from './Line.js';

/** Below the minimum size: a message that fits, and nothing that could wrap. */
export function TooSmall({layout}: {readonly layout: Layout}) {
	const lines = [
		`terminal too small: ${layout.columns}x${layout.rows}`,
		`need at least ${MIN_COLUMNS}x${MIN_ROWS}`,
		'q quits',
	].slice(0, layout.height).map(line => truncateToWidth(line, layout.width));
	return (
		<>
			{lines.map(line => <Line key={line} text={line}/>)}
			<BlankLines count={layout.height - lines.length}/>
		</>
	);
}
