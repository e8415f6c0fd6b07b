import type {SummaryView} from '../state/selectors.js';
import {Line} from './Line.js';
import {ListRows} from './ListRows.js';
import {TableHeader} from './TableHeader.js';

/** meliae's summary table for every type, scrollable, sortable, filterable. */
export function SummaryPane({view, height}: {readonly view: SummaryView; readonly height: number}) {
	return (
		<>
			<Line text={view.title}/>
			<TableHeader header={view.header} marker=" "/>
			<ListRows list={view.list} height={height - 2} empty="  no type matches the filter (Esc clears it)"/>
		</>
	);
}
