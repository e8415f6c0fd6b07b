import type {SimpleListView} from '../state/selectors.js';
import {Line} from './Line.js';
import {ListRows} from './ListRows.js';
import {TableHeader} from './TableHeader.js';

/** A titled list: the path view, the trend view, the help screen. */
export function ListPane({view, height}: {readonly view: SimpleListView; readonly height: number}) {
	return (
		<>
			<Line bold text={view.context}/>
			{view.header === undefined ? undefined : <TableHeader header={view.header} marker=" "/>}
			<ListRows list={view.list} height={height - 1 - (view.header === undefined ? 0 : 1)} empty="  (empty)"/>
		</>
	);
}
