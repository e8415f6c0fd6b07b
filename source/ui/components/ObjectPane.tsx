import {Text} from 'ink';
import type {ObjectView} from '../state/selectors.js';
import {Line} from './Line.js';
import {ListRows} from './ListRows.js';

/** One object: header, contents preview, and its children or parents. */
export function ObjectPane({view, height}: {readonly view: ObjectView; readonly height: number}) {
	const {tabs} = view;
	const listHeight = Math.max(0, height - view.header.length - view.preview.length - 1);
	const tab = (label: string, selected: boolean) => (selected
		? <Text bold underline inverse>{`[${label}]`}</Text>
		: <Text>{` ${label} `}</Text>);
	return (
		<>
			{view.header.map((line, k) => <Line key={`h${k}`} bold={k === 0} text={line}/>)}
			{view.preview.map((line, k) => <Line key={`p${k}`} dim={k === 0} text={line}/>)}
			<Text wrap="truncate">
				{tab(tabs.children, tabs.side === 'children')}
				{' '}
				{tab(tabs.parents, tabs.side === 'parents')}
				{`  ${tabs.hint}`}
			</Text>
			<ListRows list={view.list} height={listHeight} empty={tabs.side === 'children' ? '  refers to nothing' : '  nothing refers to it'}/>
		</>
	);
}
