import type {ListWindow} from '../state/selectors.js';
import {BlankLines} from './BlankLines.js';
import {Line} from './Line.js';

/** The visible rows of a list (selected row inverse, and marked with ">"), padded to `height` lines. */
export function ListRows({list, height, empty}: {readonly list: ListWindow; readonly height: number; readonly empty?: string}) {
	const rows = list.rows.slice(0, height);
	if (rows.length === 0 && empty !== undefined && height > 0) {
		return (
			<>
				<Line dim text={empty}/>
				<BlankLines count={height - 1}/>
			</>
		);
	}

	return (
		<>
			{rows.map((row, k) => <Line key={list.begin + k} text={row.text} inverse={row.selected}/>)}
			<BlankLines count={height - rows.length}/>
		</>
	);
}
