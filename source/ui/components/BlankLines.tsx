import {Line} from './Line.js';

/** `count` empty lines, to keep every frame exactly as tall as the layout says. */
export function BlankLines({count}: {readonly count: number}) {
	const lines = [];
	for (let k = 0; k < count; k++) {
		lines.push(<Line key={k} text=" "/>);
	}

	return <>{lines}</>;
}
