import type {ObjectsView} from '../state/selectors.js';
import {Line} from './Line.js';
import {ListRows} from './ListRows.js';

/** The objects of one type, largest first, one meliae repr per line. */
export function ObjectListPane({view, height}: {readonly view: ObjectsView; readonly height: number}) {
	return (
		<>
			<Line bold text={view.context}/>
			<ListRows list={view.list} height={height - 1} empty="  no objects"/>
		</>
	);
}
