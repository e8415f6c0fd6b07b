import type {DominatorsView} from '../state/selectors.js';
import {BlankLines} from './BlankLines.js';
import {Line} from './Line.js';
import {ListRows} from './ListRows.js';
import {TableHeader} from './TableHeader.js';

/** The dominator tree (expandable rows) above the retained set of the selected node by type. */
export function DominatorsPane({view, height, typeRows}: {readonly view: DominatorsView; readonly height: number; readonly typeRows: number}) {
	const below = typeRows > 0 ? typeRows + 1 : 0;
	return (
		<>
			<Line bold text={view.context}/>
			<TableHeader header={view.header} marker="  "/>
			<ListRows list={view.list} height={height - 2 - below} empty="  (empty)"/>
			{below > 0 && <Line bold text={view.typesTitle}/>}
			{below > 0 && view.types.slice(0, typeRows).map((line, k) => <Line key={k} text={line}/>)}
			{below > 0 && <BlankLines count={typeRows - Math.min(typeRows, view.types.length)}/>}
		</>
	);
}
